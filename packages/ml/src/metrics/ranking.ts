/**
 * Ranking metrics from scores. Tied scores form one threshold, as in scikit-learn's curves: ROC AUC
 * is the trapezoid area (a tie between a positive and a negative counts one half), average precision
 * is scikit-learn's step sum Σ (R_k − R_{k−1}) · P_k over distinct thresholds, without interpolation.
 */
import { checkSameLength, columnsOf } from "./check.js";

/** Binary ROC AUC; `yTrue` holds 0/1 (1 = positive), `score` grows with the positive class. */
export function rocAuc(yTrue: Int32Array, score: Float64Array): number {
  checkSameLength(yTrue, score, "rocAuc");
  let area = 0;
  let tp = 0;
  let fp = 0;
  forEachThreshold(yTrue, score, (tpAt, fpAt) => {
    area += (fpAt - fp) * (tpAt + tp); // twice the trapezoid; halved below
    tp = tpAt;
    fp = fpAt;
  });
  if (tp === 0 || fp === 0) throw new Error("rocAuc: needs both classes in yTrue");
  return area / 2 / (tp * fp);
}

/**
 * One-vs-rest ROC AUC over the columns of a row-major probability matrix: `macro` is the plain mean
 * of the per-class AUCs, `weighted` weights each by its class's share of the rows.
 */
export function rocAucOvr(
  yTrue: Int32Array,
  proba: Float64Array,
  average: "macro" | "weighted" = "macro",
): number {
  const n = yTrue.length;
  const k = columnsOf(proba, n, "rocAucOvr");
  const isClass = new Int32Array(n);
  const column = new Float64Array(n);
  let total = 0;
  let weightSum = 0;
  for (let c = 0; c < k; c++) {
    let count = 0;
    for (let i = 0; i < n; i++) {
      isClass[i] = yTrue[i] === c ? 1 : 0;
      count += isClass[i]!;
      column[i] = proba[i * k + c]!;
    }
    const weight = average === "weighted" ? count : 1;
    total += weight * rocAuc(isClass, column);
    weightSum += weight;
  }
  return total / weightSum;
}

/** Binary average precision; `yTrue` holds 0/1. */
export function averagePrecision(yTrue: Int32Array, score: Float64Array): number {
  checkSameLength(yTrue, score, "averagePrecision");
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i] === 1 ? 1 : 0;
  if (positives === 0) throw new Error("averagePrecision: no positive rows");
  let ap = 0;
  let previousRecall = 0;
  forEachThreshold(yTrue, score, (tp, fp) => {
    const recallAt = tp / positives;
    ap += (recallAt - previousRecall) * (tp / (tp + fp));
    previousRecall = recallAt;
  });
  return ap;
}

/** Cumulative (true positives, false positives) at each distinct score, from the highest down. */
function forEachThreshold(
  yTrue: Int32Array,
  score: Float64Array,
  visit: (tp: number, fp: number) => void,
): void {
  const n = score.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(score[i]!)) throw new Error(`Score at row ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => score[b]! - score[a]!);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    const s = score[order[i]!]!;
    while (i < n && score[order[i]!] === s) {
      if (yTrue[order[i]!] === 1) tp++;
      else fp++;
      i++;
    }
    visit(tp, fp);
  }
}
