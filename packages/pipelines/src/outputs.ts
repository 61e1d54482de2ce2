import { GyreError } from "@gyre/core";
import type { StepDef } from "./definition.js";
import { kindProblem } from "./kinds.js";

/** A step's returned outputs, checked against its declaration: all present, none extra, right kinds. */
export function checkOutputs(step: StepDef, value: unknown): Record<string, unknown> {
  const declared = Object.keys(step.outputs);
  if (value === undefined || value === null) {
    if (declared.length === 0) return {};
    throw outputsError(step, `returned nothing but declares outputs ${declared.join(", ")}`);
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw outputsError(
      step,
      `must return an object of outputs, got ${Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, kind] of Object.entries(step.outputs)) {
    if (!(name in record) || record[name] === undefined) {
      problems.push(`output '${name}' is missing`);
      continue;
    }
    const problem = kindProblem(kind, record[name]);
    if (problem) problems.push(`output '${name}' ${problem}`);
  }
  for (const name of Object.keys(record)) {
    if (!(name in step.outputs)) problems.push(`output '${name}' is not declared`);
  }
  if (problems.length > 0) throw outputsError(step, problems.join("; "));
  // JSON round trip: what is cached and sent to other processes is exactly what later steps see.
  return JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
}

function outputsError(step: StepDef, problem: string): GyreError {
  return new GyreError("INVALID_PARAMETER_VALUE", `Step '${step.name}' ${problem}.`);
}
