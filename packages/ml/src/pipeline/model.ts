/**
 * The model contract shared by every learner (linear models here, tree models elsewhere): an
 * estimator holds hyper-parameters, `fit` returns an immutable fitted model that predicts on frames
 * and saves itself as JSON.
 */
import type { ClassTarget, Target } from "../data/target.js";
import type { Frame } from "../frame/frame.js";
import type { KindedJson } from "./json.js";

export interface Estimator<Y extends Target = Target, M extends FittedModel = FittedModel> {
  readonly kind: string;
  fit(frame: Frame, target: Y): M;
}

export interface FittedModel {
  readonly kind: string;
  predict(frame: Frame): Float64Array | Int32Array;
  toJSON(): KindedJson;
}

export interface FittedRegressor extends FittedModel {
  predict(frame: Frame): Float64Array;
}

export interface FittedClassifier extends FittedModel {
  readonly classes: readonly string[];
  /** Class codes (indices into `classes`). */
  predict(frame: Frame): Int32Array;
  /** Row-major nRows × classes.length; each row sums to 1. */
  predictProba(frame: Frame): Float64Array;
}

export type ClassifierEstimator<M extends FittedClassifier = FittedClassifier> = Estimator<ClassTarget, M>;
export type RegressorEstimator<M extends FittedRegressor = FittedRegressor> = Estimator<Float64Array, M>;

/** Loads a saved model of one kind; a pipeline is loaded with a table of these. */
export type ModelLoader = (json: KindedJson) => FittedModel;

export function isClassifier(model: FittedModel): model is FittedClassifier {
  return "predictProba" in model && typeof model.predictProba === "function";
}

/** The index of the largest probability in each row (first one on ties, as numpy's argmax). */
export function argmaxRows(proba: Float64Array, k: number): Int32Array {
  const n = proba.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    out[i] = best;
  }
  return out;
}
