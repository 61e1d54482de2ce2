import { GyreError, type RouteContract } from "@gyre/core";
import type { z } from "zod";

const DOCS_HINT = "See the API docs for more information about request parameters.";

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One zod issue as an MLflow-style message that names the field and the rule. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join(".") : "(request body)";
  const input = (issue as { input?: unknown }).input;
  const missing =
    input === undefined || (issue.code === "too_small" && issue.origin === "string" && input === "");
  if (missing) return `Missing value for required parameter '${field}'. ${DOCS_HINT}`;
  return `Invalid value ${preview(input)} for parameter '${field}' supplied: ${issue.message}. ${DOCS_HINT}`;
}

/** Validates a request payload against its contract, turning failures into INVALID_PARAMETER_VALUE. */
export function parseRequest<C extends RouteContract>(contract: C, payload: unknown): z.output<C["request"]> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `The request body of ${contract.path} must be a JSON object, got ${preview(payload)}.`,
    );
  }
  const result = contract.request.safeParse(payload, { reportInput: true });
  if (result.success) return result.data as z.output<C["request"]>;
  throw new GyreError("INVALID_PARAMETER_VALUE", result.error.issues.map(describeIssue).join(" "));
}
