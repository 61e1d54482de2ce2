/**
 * Scorers: a metric computed from a fitted model on held-out rows, with the direction that is
 * better. Classification scorers take class targets, regression scorers Float64Array targets.
 */
import type { ClassTarget, Target } from "../data/target.js";
import type { Frame } from "../frame/frame.js";
import { accuracy as accuracyMetric } from "../metrics/classification.js";
import { logLoss as logLossMetric } from "../metrics/probabilistic.js";
import { rocAuc as rocAucMetric, rocAucOvr } from "../metrics/ranking.js";
import { mae as maeMetric, r2 as r2Metric, rmse as rmseMetric } from "../metrics/regression.js";
import type { Direction } from "./trial.js";

/** What a scorer needs of a fitted model or pipeline. */
export interface FittedPredictor {
  predict(frame: Frame): Float64Array | Int32Array;
}

/** A classifier (or a pipeline ending in one): row-major n × classes probabilities. */
export interface FittedProbabilistic extends FittedPredictor {
  predictProba(frame: Frame): Float64Array;
}

/** An estimator or a Pipeline: anything fitted on a frame and a target. */
export interface Fittable<Y extends Target> {
  fit(frame: Frame, target: Y): FittedPredictor;
}

export interface Scorer<Y extends Target> {
  readonly name: string;
  readonly direction: Direction;
  score(model: FittedPredictor, frame: Frame, target: Y): number;
}

function probabilities(model: FittedPredictor, frame: Frame, scorer: string): Float64Array {
  if (!("predictProba" in model) || typeof model.predictProba !== "function") {
    throw new Error(`Scorer '${scorer}' needs a model with predictProba`);
  }
  return (model as FittedProbabilistic).predictProba(frame);
}

export const accuracy: Scorer<ClassTarget> = {
  name: "accuracy",
  direction: "maximize",
  score: (model, frame, y) => accuracyMetric(y.codes, model.predict(frame) as Int32Array),
};

/** Binary ROC AUC on P(class 1); one-vs-rest macro AUC for more classes. */
export const rocAuc: Scorer<ClassTarget> = {
  name: "roc_auc",
  direction: "maximize",
  score: (model, frame, y) => {
    const proba = probabilities(model, frame, "roc_auc");
    if (y.classes.length > 2) return rocAucOvr(y.codes, proba);
    return rocAucMetric(
      y.codes,
      proba.filter((_, i) => i % 2 === 1),
    );
  },
};

export const logLoss: Scorer<ClassTarget> = {
  name: "log_loss",
  direction: "minimize",
  score: (model, frame, y) => logLossMetric(y.codes, probabilities(model, frame, "log_loss")),
};

export const r2: Scorer<Float64Array> = {
  name: "r2",
  direction: "maximize",
  score: (model, frame, y) => r2Metric(y, model.predict(frame) as Float64Array),
};

export const rmse: Scorer<Float64Array> = {
  name: "rmse",
  direction: "minimize",
  score: (model, frame, y) => rmseMetric(y, model.predict(frame) as Float64Array),
};

export const mae: Scorer<Float64Array> = {
  name: "mae",
  direction: "minimize",
  score: (model, frame, y) => maeMetric(y, model.predict(frame) as Float64Array),
};

export const scorers = { accuracy, rocAuc, logLoss, r2, rmse, mae };
