import { GyreError } from "@gyre/core";
import type { PipelineDef } from "./definition.js";
import { kindProblem, parseKindText, valueText } from "./kinds.js";

/**
 * A run's parameter values: given ones (text from the command line, or values from code) parsed
 * and checked by the parameter's kind, defaults for the rest. Unknown names and missing required
 * parameters are errors naming them.
 */
export function resolveParams(
  def: PipelineDef,
  given: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!def.params.some((p) => p.name === name)) {
      const known = def.params.map((p) => p.name);
      problems.push(`unknown parameter '${name}' (parameters: ${known.length ? known.join(", ") : "none"})`);
    }
  }
  for (const param of def.params) {
    const raw = given[param.name];
    if (raw === undefined) {
      if (param.required) problems.push(`parameter '${param.name}' (${param.kind}) is required`);
      else values[param.name] = param.default;
      continue;
    }
    try {
      const value = typeof raw === "string" && param.kind !== "string" ? parseKindText(param.kind, raw) : raw;
      const problem = kindProblem(param.kind, value);
      if (problem) throw new Error(problem);
      values[param.name] = value;
    } catch (error) {
      problems.push(`parameter '${param.name}' ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) {
    throw new GyreError("INVALID_PARAMETER_VALUE", `Pipeline '${def.name}': ${problems.join("; ")}.`);
  }
  return values;
}

/** Parameters as the text stored with the run record and logged as MLflow params. */
export function paramTexts(values: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, valueText(v)]));
}
