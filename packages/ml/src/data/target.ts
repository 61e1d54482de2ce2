/** Prediction targets: class codes with their names for classifiers, a Float64Array for regressors. */
import type { Column } from "../frame/frame.js";
import { gather, type RowIndices } from "../frame/rows.js";

/** `codes[i]` indexes `classes`; classes are sorted, as scikit-learn's `classes_`. */
export interface ClassTarget {
  readonly codes: Int32Array;
  readonly classes: readonly string[];
}

export type Target = ClassTarget | Float64Array;

/** A categorical column's codes, or a numeric column's distinct values in ascending order as classes. */
export function classTargetOf(c: Column): ClassTarget {
  if (c.kind === "categorical") {
    if (c.codes.includes(-1)) throw new Error(`Target '${c.name}' has missing values`);
    return { codes: c.codes, classes: c.levels };
  }
  const distinct = [...new Set(c.values)].sort((a, b) => a - b);
  if (distinct.some(Number.isNaN)) throw new Error(`Target '${c.name}' has missing values`);
  const codeOf = new Map(distinct.map((v, code) => [v, code]));
  return { codes: Int32Array.from(c.values, (v) => codeOf.get(v)!), classes: distinct.map(String) };
}

export function takeTarget<T extends Target>(target: T, rows: RowIndices): T {
  if (target instanceof Float64Array) return gather(target, rows, new Float64Array(rows.length)) as T;
  return { codes: gather(target.codes, rows, new Int32Array(rows.length)), classes: target.classes } as T;
}
