import type { TensorData } from "../runtime/dtypes.js";
import type { OutputTensor, Prediction } from "../runtime/predictor.js";

/** How one output of a shadow differs from the primary's. */
export interface OutputDiff {
  readonly name: string;
  /** False when the shapes differ; nothing else is compared then. */
  readonly shape_matches: boolean;
  /** Elements compared, and how many are not exactly equal. */
  readonly compared: number;
  readonly changed: number;
  /** Numeric outputs: the largest absolute difference (0 when equal). */
  readonly max_abs_diff?: number;
}

/** A shadow's answer against the primary's, output by output (outputs both have, by name). */
export interface PredictionDiff {
  /** Every shared output has the same shape and values, and both answered the same outputs. */
  readonly equal: boolean;
  readonly outputs: readonly OutputDiff[];
  /** Outputs only one side answered (models of different versions may differ). */
  readonly only_primary?: readonly string[];
  readonly only_shadow?: readonly string[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function elementAt(data: TensorData, i: number): number | bigint | string {
  return data[i] as number | bigint | string;
}

function diffOutput(primary: OutputTensor, shadow: OutputTensor): OutputDiff {
  if (!sameShape(primary.shape, shadow.shape)) {
    return { name: primary.name, shape_matches: false, compared: 0, changed: 0 };
  }
  const a = primary.data;
  const b = shadow.data;
  const numeric = typeof a[0] === "number" && typeof b[0] === "number";
  let changed = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = elementAt(a, i);
    const y = elementAt(b, i);
    if (x === y) continue;
    changed++;
    if (numeric) {
      const d = Math.abs((x as number) - (y as number));
      // NaN on one side only counts as an infinite difference, not as "no difference".
      maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    }
  }
  return {
    name: primary.name,
    shape_matches: true,
    compared: a.length,
    changed,
    ...(numeric ? { max_abs_diff: maxAbs } : {}),
  };
}

export function diffPredictions(primary: Prediction, shadow: Prediction): PredictionDiff {
  const shadowByName = new Map(shadow.outputs.map((o) => [o.name, o]));
  const outputs: OutputDiff[] = [];
  const onlyPrimary: string[] = [];
  for (const output of primary.outputs) {
    const other = shadowByName.get(output.name);
    if (other) outputs.push(diffOutput(output, other));
    else onlyPrimary.push(output.name);
  }
  const primaryNames = new Set(primary.outputs.map((o) => o.name));
  const onlyShadow = shadow.outputs.filter((o) => !primaryNames.has(o.name)).map((o) => o.name);
  const equal =
    onlyPrimary.length === 0 &&
    onlyShadow.length === 0 &&
    outputs.every((o) => o.shape_matches && o.changed === 0);
  return {
    equal,
    outputs,
    ...(onlyPrimary.length > 0 ? { only_primary: onlyPrimary } : {}),
    ...(onlyShadow.length > 0 ? { only_shadow: onlyShadow } : {}),
  };
}
