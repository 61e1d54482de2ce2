import type { ParamDef, StepDef } from "./definition.js";
import { isOutputRef, isParamRef, isRef } from "./definition.js";
import { kindProblem } from "./kinds.js";

/**
 * Checks every step's inputs against the steps and parameters they name (existence, declared
 * kinds, ownership), infers the dependencies from them, and orders the steps topologically
 * (Kahn's algorithm, ties in definition order). Problems are appended to `problems`; a cycle is
 * reported with its path.
 */
export function orderSteps(
  steps: readonly StepDef[],
  params: readonly ParamDef[],
  owner: object,
  problems: string[],
): StepDef[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const withDeps = steps.map((step) => {
    const deps = new Set<string>();
    for (const [input, spec] of Object.entries(step.inputs)) {
      const where = `step '${step.name}' input '${input}'`;
      const expected = step.expects[input];
      if (spec === undefined) {
        problems.push(`${where} is undefined (a misspelt output or parameter?)`);
        continue;
      }
      if (!isRef(spec)) {
        const problem = expected ? kindProblem(expected, spec) : undefined;
        if (problem) problems.push(`${where} expects a ${expected}: the value given ${problem}`);
        continue;
      }
      if (spec.owner !== owner) {
        problems.push(`${where} refers to ${describeRef(spec)} of another pipeline`);
        continue;
      }
      if (isParamRef(spec)) {
        if (expected && expected !== spec.kind) {
          problems.push(`${where} expects a ${expected} but parameter '${spec.name}' is a ${spec.kind}`);
        }
        continue;
      }
      if (!isOutputRef(spec)) continue;
      const source = byName.get(spec.step);
      if (!source) {
        problems.push(`${where} refers to step '${spec.step}', which does not exist`);
        continue;
      }
      const declared = source.outputs[spec.output];
      if (declared === undefined) {
        problems.push(
          `${where} refers to output '${spec.output}' of step '${spec.step}', which has no such output`,
        );
        continue;
      }
      if (declared !== spec.kind) {
        problems.push(
          `${where} takes output '${spec.output}' of step '${spec.step}' as a ${spec.kind}, but it is declared a ${declared}`,
        );
      }
      if (expected && expected !== declared) {
        problems.push(
          `${where} expects a ${expected} but output '${spec.output}' of step '${spec.step}' is a ${declared}`,
        );
      }
      deps.add(spec.step);
    }
    for (const name of step.after) {
      if (!byName.has(name)) problems.push(`step '${step.name}' runs after '${name}', which does not exist`);
      else deps.add(name);
    }
    return { ...step, dependsOn: [...deps] };
  });
  for (const param of params) {
    if (!param.name) problems.push("a parameter needs a name");
  }
  return topologicalOrder(withDeps, problems);
}

function describeRef(ref: { step?: string; output?: string; name?: string }): string {
  return ref.step !== undefined ? `output '${ref.output}' of step '${ref.step}'` : `parameter '${ref.name}'`;
}

function topologicalOrder(steps: StepDef[], problems: string[]): StepDef[] {
  const known = new Set(steps.map((s) => s.name));
  const remaining = new Map(steps.map((s) => [s.name, new Set(s.dependsOn.filter((d) => known.has(d)))]));
  const ordered: StepDef[] = [];
  while (ordered.length < steps.length) {
    const ready = steps.find((s) => remaining.get(s.name)?.size === 0 && !ordered.includes(s));
    if (!ready) {
      problems.push(
        `the steps form a cycle: ${findCycle(steps.filter((s) => !ordered.includes(s))).join(" → ")}`,
      );
      return ordered.concat(steps.filter((s) => !ordered.includes(s)));
    }
    ordered.push(ready);
    for (const deps of remaining.values()) deps.delete(ready.name);
  }
  return ordered;
}

/** A cycle among steps that all wait on something: walk dependencies until a step repeats. */
function findCycle(steps: readonly StepDef[]): string[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const path: string[] = [];
  let current = steps[0];
  while (current && !path.includes(current.name)) {
    path.push(current.name);
    current = current.dependsOn.map((d) => byName.get(d)).find((s) => s !== undefined);
  }
  if (!current) return path;
  const cycle = path.slice(path.indexOf(current.name));
  return [...cycle, current.name];
}
