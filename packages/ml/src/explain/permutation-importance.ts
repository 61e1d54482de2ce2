import type { Column, Frame } from "../frame/frame.js";
import { SeededRandom, shuffleInPlace } from "../trees/random.js";

/**
 * Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): how much a model's
 * score drops when one column's values are shuffled across rows, breaking its link to the target while
 * keeping its distribution. Works for any model with a predict function and any metric.
 */
export interface PermutationImportanceOptions {
  /** Shuffles per column. */
  readonly nRepeats?: number;
  readonly seed?: number;
  /** Columns to assess (default: every column of the frame). */
  readonly columns?: readonly string[];
  /** false for losses (lower is better): importance is then permuted − baseline. */
  readonly greaterIsBetter?: boolean;
}

export interface PermutationImportance {
  readonly columns: readonly string[];
  /** The score on the unshuffled frame. */
  readonly baselineScore: number;
  /** importances[c * nRepeats + r]: score drop for column c in repeat r. */
  readonly importances: Float64Array;
  readonly nRepeats: number;
  readonly mean: Float64Array;
  /** Population standard deviation over repeats, as scikit-learn's importances_std. */
  readonly std: Float64Array;
}

export function permutationImportance<Prediction, Target>(
  model: { predict(frame: Frame): Prediction },
  frame: Frame,
  target: Target,
  score: (target: Target, prediction: Prediction) => number,
  options: PermutationImportanceOptions = {},
): PermutationImportance {
  const nRepeats = options.nRepeats ?? 5;
  if (!Number.isInteger(nRepeats) || nRepeats < 1) throw new Error("nRepeats must be a positive integer");
  const sign = options.greaterIsBetter === false ? -1 : 1;
  const names = options.columns ?? frame.columns.map((c) => c.name);
  const baselineScore = score(target, model.predict(frame));
  const random = new SeededRandom(options.seed ?? 0);
  const importances = new Float64Array(names.length * nRepeats);
  const order = new Uint32Array(frame.nRows);
  names.forEach((name, c) => {
    const index = frame.columns.findIndex((col) => col.name === name);
    if (index < 0) throw new Error(`No column '${name}' in frame`);
    for (let r = 0; r < nRepeats; r++) {
      for (let i = 0; i < order.length; i++) order[i] = i;
      shuffleInPlace(order, random);
      const columns = frame.columns.slice();
      columns[index] = permuted(frame.columns[index]!, order);
      const permutedScore = score(target, model.predict({ nRows: frame.nRows, columns }));
      importances[c * nRepeats + r] = sign * (baselineScore - permutedScore);
    }
  });
  const mean = new Float64Array(names.length);
  const std = new Float64Array(names.length);
  for (let c = 0; c < names.length; c++) {
    let m = 0;
    for (let r = 0; r < nRepeats; r++) m += importances[c * nRepeats + r]! / nRepeats;
    let v = 0;
    for (let r = 0; r < nRepeats; r++) v += (importances[c * nRepeats + r]! - m) ** 2 / nRepeats;
    mean[c] = m;
    std[c] = Math.sqrt(v);
  }
  return { columns: names, baselineScore, importances, nRepeats, mean, std };
}

function permuted(column: Column, order: Uint32Array): Column {
  if (column.kind === "numeric")
    return { ...column, values: Float64Array.from(order, (i) => column.values[i]!) };
  return { ...column, codes: Int32Array.from(order, (i) => column.codes[i]!) };
}
