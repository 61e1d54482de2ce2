/**
 * The three boosting losses, as scikit-learn's HalfSquaredError, HalfBinomialLoss and
 * HalfMultinomialLoss. Raw predictions are stored per output, column-major: raw[k * n + i].
 * Targets are class indices (as Float64) for classification, values for regression.
 */
export interface BoostingLoss {
  readonly name: "squared_error" | "log_loss";
  /** Trees per iteration (1, or the number of classes for multiclass). */
  readonly nOutputs: number;
  /** Hessians are all 1: histograms then carry counts in place of hessian sums. */
  readonly constantHessian: boolean;
  /** The best constant raw prediction (the model's baseline). */
  baseline(y: Float64Array): Float64Array;
  /**
   * Writes every output's gradients and hessians for every row, interleaved and column-major like
   * `raw`: gh[2 * (k * n + i)] and gh[2 * (k * n + i) + 1] (hessians untouched when constant).
   * Computed once per iteration, before that iteration's trees, as scikit-learn does. Only rows
   * start..end-1 when given (two threads share the rows).
   */
  gradients(y: Float64Array, raw: Float64Array, gh: Float64Array, start?: number, end?: number): void;
  /** Mean loss of raw predictions (for early stopping). */
  meanLoss(y: Float64Array, raw: Float64Array): number;
}

/** A probability clipped away from 0 and 1 (scikit-learn clips the intercept-only fit the same way). */
function clipProbability(p: number): number {
  const eps = 2.220446049250313e-16;
  return Math.min(1 - eps, Math.max(eps, p));
}

export const squaredError: BoostingLoss = {
  name: "squared_error",
  nOutputs: 1,
  constantHessian: true,
  baseline(y) {
    let mean = 0;
    for (let i = 0; i < y.length; i++) mean += y[i]!;
    return Float64Array.of(mean / y.length);
  },
  gradients(y, raw, gh, start = 0, end = y.length) {
    for (let i = start; i < end; i++) gh[2 * i] = raw[i]! - y[i]!;
  },
  meanLoss(y, raw) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      const r = y[i]! - raw[i]!;
      sum += 0.5 * r * r;
    }
    return sum / y.length;
  },
};

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export const binaryLogLoss: BoostingLoss = {
  name: "log_loss",
  nOutputs: 1,
  constantHessian: false,
  baseline(y) {
    let mean = 0;
    for (let i = 0; i < y.length; i++) mean += y[i]!;
    const p = clipProbability(mean / y.length);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(y, raw, gh, start = 0, end = y.length) {
    // One exponential per row, as scikit-learn's HalfBinomialLoss: with e = exp(-|raw|),
    // p = 1 / (1 + e) for raw > 0, e / (1 + e) otherwise, and p (1 - p) = e / (1 + e)².
    for (let i = start; i < end; i++) {
      const r = raw[i]!;
      const e = Math.exp(-Math.abs(r));
      const inverse = 1 / (1 + e);
      const p = r > 0 ? inverse : e * inverse;
      gh[2 * i] = p - y[i]!;
      gh[2 * i + 1] = e * inverse * inverse;
    }
  },
  meanLoss(y, raw) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += softplus(raw[i]!) - y[i]! * raw[i]!;
    return sum / y.length;
  },
};

export function multinomialLogLoss(nClasses: number): BoostingLoss {
  return {
    name: "log_loss",
    nOutputs: nClasses,
    constantHessian: false,
    baseline(y) {
      const counts = new Float64Array(nClasses);
      for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
      const out = new Float64Array(nClasses);
      let meanLog = 0;
      for (let k = 0; k < nClasses; k++) {
        out[k] = Math.log(clipProbability(counts[k]! / y.length));
        meanLog += out[k]! / nClasses;
      }
      // Symmetric parametrisation: scikit-learn centres the intercepts at zero.
      for (let k = 0; k < nClasses; k++) out[k]! -= meanLog;
      return out;
    },
    gradients(y, raw, gh, start = 0, end = y.length) {
      const n = y.length;
      for (let i = start; i < end; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < nClasses; j++) max = Math.max(max, raw[j * n + i]!);
        let sum = 0;
        for (let j = 0; j < nClasses; j++) {
          const e = Math.exp(raw[j * n + i]! - max);
          gh[2 * (j * n + i)] = e;
          sum += e;
        }
        const label = y[i]!;
        for (let j = 0; j < nClasses; j++) {
          const at = 2 * (j * n + i);
          const p = gh[at]! / sum;
          gh[at] = p - (label === j ? 1 : 0);
          gh[at + 1] = p * (1 - p);
        }
      }
    },
    meanLoss(y, raw) {
      const n = y.length;
      let total = 0;
      for (let i = 0; i < n; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < nClasses; j++) max = Math.max(max, raw[j * n + i]!);
        let sum = 0;
        for (let j = 0; j < nClasses; j++) sum += Math.exp(raw[j * n + i]! - max);
        total += max + Math.log(sum) - raw[y[i]! * n + i]!;
      }
      return total / n;
    },
  };
}

/** Class probabilities from raw scores (row-major n × K input and output): sigmoid or softmax. */
export function probabilitiesFromRaw(raw: Float64Array, nClasses: number): Float64Array {
  if (nClasses === 2) {
    const n = raw.length;
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[i]!);
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  const n = raw.length / nClasses;
  const out = new Float64Array(raw.length);
  for (let i = 0; i < n; i++) softmaxInto(raw, i * nClasses, nClasses, out, i * nClasses);
  return out;
}

export function softmaxInto(
  raw: ArrayLike<number>,
  offset: number,
  k: number,
  out: Float64Array,
  outOffset: number,
): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) max = Math.max(max, raw[offset + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(raw[offset + j]! - max);
    out[outOffset + j] = e;
    sum += e;
  }
  for (let j = 0; j < k; j++) out[outOffset + j]! /= sum;
}

/** A single-output loss by name (what a worker thread receives). */
export function singleOutputLoss(name: BoostingLoss["name"]): BoostingLoss {
  return name === "squared_error" ? squaredError : binaryLogLoss;
}
