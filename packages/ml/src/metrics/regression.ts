/** Regression metrics, as scikit-learn 1.2 defines them. */
import { checkSameLength } from "./check.js";

export function rmse(yTrue: Float64Array, yPred: Float64Array): number {
  checkSameLength(yTrue, yPred, "rmse");
  let ss = 0;
  for (let i = 0; i < yTrue.length; i++) ss += (yTrue[i]! - yPred[i]!) ** 2;
  return Math.sqrt(ss / yTrue.length);
}

export function mae(yTrue: Float64Array, yPred: Float64Array): number {
  checkSameLength(yTrue, yPred, "mae");
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i]! - yPred[i]!);
  return s / yTrue.length;
}

/** 1 − SS_res/SS_tot; for a constant truth, 1 if the predictions are exact and 0 otherwise. */
export function r2(yTrue: Float64Array, yPred: Float64Array): number {
  checkSameLength(yTrue, yPred, "r2");
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i]!;
  mean /= yTrue.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i]! - yPred[i]!) ** 2;
    ssTot += (yTrue[i]! - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/**
 * Mean of |y − ŷ| / max(|y|, ε): a fraction, not a percentage. A zero truth gives a huge term, as in
 * scikit-learn.
 */
export function mape(yTrue: Float64Array, yPred: Float64Array): number {
  checkSameLength(yTrue, yPred, "mape");
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    s += Math.abs(yTrue[i]! - yPred[i]!) / Math.max(Math.abs(yTrue[i]!), 2.220446049250313e-16);
  }
  return s / yTrue.length;
}
