import type { ClassTarget } from "../data/target.js";

/** Checks a classification target against the feature rows: one valid class code per row. */
export function checkClassTarget(target: ClassTarget, nRows: number): void {
  if (target.codes.length !== nRows) {
    throw new Error(`Target has ${target.codes.length} rows but the features have ${nRows}`);
  }
  if (target.classes.length < 1) throw new Error("Classification target has no classes");
  const k = target.classes.length;
  for (let i = 0; i < nRows; i++) {
    const c = target.codes[i]!;
    if (!(c >= 0 && c < k)) throw new Error(`Target class code ${c} at row ${i} is outside 0..${k - 1}`);
  }
}

/** Checks a regression target against the feature rows: one finite value per row. */
export function checkRegressionTarget(target: Float64Array, nRows: number): void {
  if (target.length !== nRows)
    throw new Error(`Target has ${target.length} rows but the features have ${nRows}`);
  for (let i = 0; i < nRows; i++) {
    if (!Number.isFinite(target[i]!)) throw new Error(`Regression target is missing or infinite at row ${i}`);
  }
}
