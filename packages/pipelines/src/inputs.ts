import type { StepDef } from "./definition.js";
import { isOutputRef, isParamRef } from "./definition.js";
import { type Kind, kindProblem } from "./kinds.js";

/** A step's input values: upstream outputs and parameters filled in, literals as written. */
export function resolveInputs(
  step: StepDef,
  params: Readonly<Record<string, unknown>>,
  outputs: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(step.inputs)) {
    if (isOutputRef(spec)) values[name] = outputs.get(spec.step)?.[spec.output];
    else if (isParamRef(spec)) values[name] = params[spec.name];
    else values[name] = spec;
  }
  return values;
}

/**
 * The kind an input carries: its source's declared kind, else what the step expects, else
 * recognised from the value (a datasets:/ or models:/ URI literal still counts as one).
 */
export function inputKind(step: StepDef, name: string, value: unknown): Kind {
  const spec = step.inputs[name];
  if (isOutputRef(spec) || isParamRef(spec)) return spec.kind;
  const expected = step.expects[name];
  if (expected) return expected;
  if (kindProblem("dataset", value) === undefined) return "dataset";
  if (kindProblem("model", value) === undefined) return "model";
  return "json";
}
