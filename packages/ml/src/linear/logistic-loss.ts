/**
 * scikit-learn's lbfgs objective for L2 logistic regression (1.2): the *summed* log-loss plus
 * ½·λ·‖w‖², λ = 1/C, intercepts unpenalised. Parameters are [w (p), b] for the binary model and
 * [W (K × p, row-major), b (K)] for the multinomial one. Buffers are allocated once per fit.
 */
import type { DesignMatrix } from "../data/design-matrix.js";
import {
  addTransposeProduct,
  addTransposeProductMulti,
  linearPredictor,
  linearPredictorMulti,
} from "./design-products.js";
import type { Objective } from "./lbfgs.js";

export function binaryLogisticObjective(
  design: DesignMatrix,
  y: Int32Array,
  lambda: number,
  fitIntercept: boolean,
): Objective {
  const n = design.nRows;
  const p = design.nFeatures;
  const margin = new Float64Array(n);
  const residual = new Float64Array(n);
  return (theta, grad) => {
    const w = theta.subarray(0, p);
    linearPredictor(design, w, fitIntercept ? theta[p]! : 0, margin);
    let loss = 0;
    let interceptGrad = 0;
    for (let i = 0; i < n; i++) {
      const m = margin[i]!;
      const yi = y[i]!;
      // One exp serves both the loss log(1 + e^m) − y·m and the residual σ(m) − y.
      const e = Math.exp(-Math.abs(m));
      const onePlusE = 1 + e;
      loss += (m > 0 ? m : 0) + Math.log(onePlusE) - yi * m;
      const r = (m >= 0 ? 1 : e) / onePlusE - yi;
      residual[i] = r;
      interceptGrad += r;
    }
    grad.fill(0);
    const gw = grad.subarray(0, p);
    addTransposeProduct(design, residual, gw);
    loss += addL2(w, gw, lambda);
    if (fitIntercept) grad[p] = interceptGrad;
    return loss;
  };
}

export function multinomialLogisticObjective(
  design: DesignMatrix,
  y: Int32Array,
  k: number,
  lambda: number,
  fitIntercept: boolean,
): Objective {
  const n = design.nRows;
  const p = design.nFeatures;
  const margins = new Float64Array(n * k);
  const zeroIntercepts = new Float64Array(k);
  return (theta, grad) => {
    const w = theta.subarray(0, k * p);
    linearPredictorMulti(design, w, fitIntercept ? theta.subarray(k * p) : zeroIntercepts, margins);
    let loss = 0;
    // margins become residuals softmax − onehot(y) in place.
    for (let i = 0; i < n; i++) {
      const row = i * k;
      const marginOfTrue = margins[row + y[i]!]!;
      loss += softmaxRowInPlace(margins, row, k) - marginOfTrue;
      margins[row + y[i]!]! -= 1;
    }
    grad.fill(0);
    const gw = grad.subarray(0, k * p);
    addTransposeProductMulti(design, margins, k, gw);
    loss += addL2(w, gw, lambda);
    if (fitIntercept) {
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) grad[k * p + c]! += margins[i * k + c]!;
    }
    return loss;
  };
}

export function sigmoid(m: number): number {
  if (m >= 0) return 1 / (1 + Math.exp(-m));
  const e = Math.exp(m);
  return e / (1 + e);
}

/** Replaces values[start..start+k) by their softmax and returns their log-sum-exp (one exp per entry). */
export function softmaxRowInPlace(values: Float64Array, start: number, k: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) max = Math.max(max, values[start + c]!);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(values[start + c]! - max);
    values[start + c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) values[start + c]! /= sum;
  return max + Math.log(sum);
}

function addL2(w: Float64Array, grad: Float64Array, lambda: number): number {
  let sq = 0;
  for (let j = 0; j < w.length; j++) {
    sq += w[j]! * w[j]!;
    grad[j]! += lambda * w[j]!;
  }
  return 0.5 * lambda * sq;
}
