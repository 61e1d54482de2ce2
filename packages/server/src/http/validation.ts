import { GyreError, type RouteContract } from "@gyre/core";
import type { z } from "zod";

const DOCS_HINT = "See the API docs for more information about request parameters.";

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? "[...]" : typeof value === "object" ? "{...}" : String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The first string holding a NUL character, as a field path: no store keeps NUL in text
 * (PostgreSQL refuses it), so it is a client error wherever it appears.
 */
function nulField(value: unknown, depth = 0): string[] | undefined {
  if (typeof value === "string") return value.includes("\0") ? [] : undefined;
  if (typeof value !== "object" || value === null || depth > 64) return undefined;
  // The path is built only on a hit: this runs over every field of every request.
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (key.includes("\0")) return [key];
    const found = nulField(record[key], depth + 1);
    if (found) return [key, ...found];
  }
  return undefined;
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

/**
 * JSON text can only carry a NUL inside a string as the escape `\u0000`, so a body whose text has
 * no such sequence needs no walk over its fields.
 */
export function jsonTextMayHoldNul(text: string): boolean {
  return text.includes("\\u0000");
}

/**
 * Validates a request payload against its contract, turning failures into INVALID_PARAMETER_VALUE.
 * `nulFree`: the payload was parsed from JSON text that `jsonTextMayHoldNul` cleared.
 */
export function parseRequest<C extends RouteContract>(
  contract: C,
  payload: unknown,
  nulFree = false,
): z.output<C["request"]> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `The request body of ${contract.path} must be a JSON object, got ${preview(payload)}.`,
    );
  }
  const nulPath = nulFree ? undefined : nulField(payload);
  if (nulPath) {
    const nul = nulPath.length > 0 ? nulPath.join(".") : "(request body)";
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Invalid value for parameter '${nul}' supplied: NUL characters are not allowed. ${DOCS_HINT}`,
    );
  }
  let result: ReturnType<typeof contract.request.safeParse>;
  try {
    result = contract.request.safeParse(payload, { reportInput: true });
  } catch (error) {
    // Only pathological input (nesting deep enough to exhaust the stack) gets here.
    if (error instanceof RangeError) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `The request body of ${contract.path} is nested too deeply.`,
      );
    }
    throw error;
  }
  if (result.success) return result.data as z.output<C["request"]>;
  throw new GyreError("INVALID_PARAMETER_VALUE", result.error.issues.map(describeIssue).join(" "));
}
