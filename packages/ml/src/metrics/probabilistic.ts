/** Metrics of predicted probabilities, as scikit-learn 1.2 computes them. */
import { checkSameLength, columnsOf } from "./check.js";

const EPS = 2.220446049250313e-16;

/**
 * Mean negative log-likelihood. `proba` is either P(class 1) per row (binary) or a row-major
 * n × K matrix. As scikit-learn: probabilities are clipped to [ε, 1 − ε] (ε = machine epsilon; the
 * binary P(class 0) is 1 minus the clipped P(class 1)) and each row renormalised to sum to 1.
 */
export function logLoss(yTrue: Int32Array, proba: Float64Array): number {
  const n = yTrue.length;
  const k = columnsOf(proba, n, "logLoss");
  let total = 0;
  if (k === 1) {
    for (let i = 0; i < n; i++) {
      const p1 = clip(proba[i]!);
      const p0 = 1 - p1;
      total -= Math.log((yTrue[i] === 1 ? p1 : p0) / (p0 + p1));
    }
    return total / n;
  }
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let c = 0; c < k; c++) rowSum += clip(proba[i * k + c]!);
    total -= Math.log(clip(proba[i * k + yTrue[i]!]!) / rowSum);
  }
  return total / n;
}

/** Mean squared difference between P(class 1) and the 0/1 outcome. */
export function brierScore(yTrue: Int32Array, p1: Float64Array): number {
  checkSameLength(yTrue, p1, "brierScore");
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) total += (yTrue[i]! - p1[i]!) ** 2;
  return total / yTrue.length;
}

export interface CalibrationCurve {
  /** Fraction of positives in each non-empty bin. */
  readonly probTrue: Float64Array;
  /** Mean predicted probability in each non-empty bin. */
  readonly probPred: Float64Array;
}

/**
 * scikit-learn's `calibration_curve`: bins are equal-width on [0, 1] (`uniform`) or at the
 * probabilities' quantiles with numpy's linear interpolation (`quantile`); a value equal to an inner
 * edge falls in the lower bin; empty bins are left out.
 */
export function calibrationCurve(
  yTrue: Int32Array,
  p1: Float64Array,
  options: { readonly nBins?: number; readonly strategy?: "uniform" | "quantile" } = {},
): CalibrationCurve {
  checkSameLength(yTrue, p1, "calibrationCurve");
  const nBins = options.nBins ?? 5;
  for (let i = 0; i < p1.length; i++) {
    if (!(p1[i]! >= 0 && p1[i]! <= 1))
      throw new Error(`calibrationCurve: probability ${p1[i]} outside [0, 1]`);
  }
  const edges = options.strategy === "quantile" ? quantileEdges(p1, nBins) : uniformEdges(nBins);
  const inner = edges.subarray(1, nBins);
  const sums = new Float64Array(nBins + 1);
  const positives = new Float64Array(nBins + 1);
  const counts = new Float64Array(nBins + 1);
  for (let i = 0; i < p1.length; i++) {
    const bin = countBelow(inner, p1[i]!);
    sums[bin]! += p1[i]!;
    positives[bin]! += yTrue[i] === 1 ? 1 : 0;
    counts[bin]!++;
  }
  const probTrue: number[] = [];
  const probPred: number[] = [];
  for (let b = 0; b < counts.length; b++) {
    if (counts[b] === 0) continue;
    probTrue.push(positives[b]! / counts[b]!);
    probPred.push(sums[b]! / counts[b]!);
  }
  return { probTrue: Float64Array.from(probTrue), probPred: Float64Array.from(probPred) };
}

/** numpy.linspace(0, 1, nBins + 1): i·(1/nBins), the last one exactly 1. */
function uniformEdges(nBins: number): Float64Array {
  const step = 1 / nBins;
  const edges = new Float64Array(nBins + 1);
  for (let i = 0; i < nBins; i++) edges[i] = i * step;
  edges[nBins] = 1;
  return edges;
}

/** numpy.percentile(p, linspace(0, 1, nBins + 1) · 100), method "linear", step for step. */
function quantileEdges(p: Float64Array, nBins: number): Float64Array {
  const sorted = p.slice().sort();
  const n = sorted.length;
  const levels = uniformEdges(nBins);
  const edges = new Float64Array(nBins + 1);
  for (let i = 0; i <= nBins; i++) {
    const q = (levels[i]! * 100) / 100;
    const virtual = (n - 1) * q;
    const lower = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
    const upper = Math.min(lower + 1, n - 1);
    const gamma = virtual - Math.floor(virtual);
    const a = sorted[lower]!;
    const b = sorted[upper]!;
    const diff = b - a;
    edges[i] = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
  }
  return edges;
}

/** numpy.searchsorted(edges, x, side="left"): how many edges are strictly below x. */
function countBelow(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function clip(p: number): number {
  return Math.min(Math.max(p, EPS), 1 - EPS);
}
