/**
 * k-fold cross-validation with the library's seeded folds (stratified for class targets by
 * default), as a function and as a tuning objective that reports the running mean after each fold,
 * which is what the median pruner compares. The folds are made once per objective, so every trial
 * is scored on the same folds and the comparison between trials is paired.
 */
import type { ClassTarget, Target } from "../data/target.js";
import { takeTarget } from "../data/target.js";
import type { Frame } from "../frame/frame.js";
import { takeRows } from "../frame/rows.js";
import { kFold, stratifiedKFold } from "../split/kfold.js";
import type { TrainTestSplit } from "../split/train-test.js";
import type { Fittable, Scorer } from "./scoring.js";
import type { AnyParams } from "./space.js";
import type { Objective } from "./trial.js";

export interface CrossValidationOptions {
  /** Number of folds (default 5), or the splits themselves. */
  readonly folds?: number | readonly TrainTestSplit[];
  /** Stratify by class (default: true for class targets). */
  readonly stratified?: boolean;
  /** Fold shuffle seed (default 42). */
  readonly seed?: number;
}

export interface CrossValidationResult {
  readonly scores: readonly number[];
  readonly mean: number;
  /** Population standard deviation of the fold scores. */
  readonly std: number;
}

function isClassTarget(target: Target): target is ClassTarget {
  return !(target instanceof Float64Array);
}

export function crossValidationSplits(
  target: Target,
  options: CrossValidationOptions = {},
): readonly TrainTestSplit[] {
  const folds = options.folds ?? 5;
  if (typeof folds !== "number") return folds;
  const seed = options.seed ?? 42;
  const stratified = options.stratified ?? isClassTarget(target);
  if (stratified) {
    if (!isClassTarget(target)) throw new Error("Stratified folds need a class target");
    return stratifiedKFold(target.codes, folds, { seed });
  }
  const n = isClassTarget(target) ? target.codes.length : target.length;
  return kFold(n, folds, { seed });
}

interface Fold<Y extends Target> {
  readonly train: Frame;
  readonly yTrain: Y;
  readonly test: Frame;
  readonly yTest: Y;
}

function materialise<Y extends Target>(
  frame: Frame,
  target: Y,
  splits: readonly TrainTestSplit[],
): Fold<Y>[] {
  return splits.map((s) => ({
    train: takeRows(frame, s.train),
    yTrain: takeTarget(target, s.train),
    test: takeRows(frame, s.test),
    yTest: takeTarget(target, s.test),
  }));
}

function summarise(scores: readonly number[]): CrossValidationResult {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const variance = scores.reduce((s, x) => s + (x - mean) ** 2, 0) / scores.length;
  return { scores, mean, std: Math.sqrt(variance) };
}

/** Lets other trials (and metric uploads) run between folds when trials run concurrently. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function crossValidate<Y extends Target>(
  estimator: Fittable<Y>,
  frame: Frame,
  target: Y,
  scorer: Scorer<Y>,
  options: CrossValidationOptions = {},
): Promise<CrossValidationResult> {
  const scores: number[] = [];
  for (const fold of materialise(frame, target, crossValidationSplits(target, options))) {
    scores.push(scorer.score(estimator.fit(fold.train, fold.yTrain), fold.test, fold.yTest));
    await yieldToEventLoop();
  }
  return summarise(scores);
}

/**
 * A tuning objective: fit `build(params)` on each training fold, score the held-out fold, report
 * the running mean (so a pruner can stop the trial) and log each fold's score. Returns the mean.
 */
export function crossValidationObjective<P extends AnyParams, Y extends Target>(
  build: (params: P) => Fittable<Y>,
  frame: Frame,
  target: Y,
  scorer: Scorer<Y>,
  options: CrossValidationOptions = {},
): Objective<P> {
  const folds = materialise(frame, target, crossValidationSplits(target, options));
  return async (params, trial) => {
    const estimator = build(params);
    const scores: number[] = [];
    for (const [i, fold] of folds.entries()) {
      const score = scorer.score(estimator.fit(fold.train, fold.yTrain), fold.test, fold.yTest);
      scores.push(score);
      trial.log({ [`fold_${scorer.name}`]: score }, i);
      trial.report(i, scores.reduce((a, b) => a + b, 0) / scores.length);
      await yieldToEventLoop();
    }
    const { mean, std } = summarise(scores);
    trial.log({ [`cv_${scorer.name}_std`]: std });
    return mean;
  };
}
