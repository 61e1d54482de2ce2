/**
 * The three models at the baseline settings of ml-baselines.md §2.1, each in a pipeline with its
 * reference encoding (`lin` for logistic regression, `ord` for the trees, HGB splitting the `ord`
 * codes natively), fitted and scored on one data set with wall-clock timings.
 */
import {
  accuracy,
  type ClassTarget,
  type FittedClassifier,
  type FittedPipeline,
  type Frame,
  HistGradientBoostingClassifier,
  LogisticRegression,
  linEncoding,
  ordEncoding,
  Pipeline,
  RandomForestClassifier,
  rocAuc,
} from "@gyre/ml";
import type { ModelName } from "./baselines.js";
import type { SplitData } from "./data.js";

export interface ModelSettings {
  readonly threads: number;
  /** RandomForest max depth (null: unlimited, scikit-learn's default and baseline). */
  readonly forestMaxDepth: number | null;
}

export interface Scored {
  readonly fit_s: number;
  /** CPU seconds of the fit, all threads of the process (on a loaded machine, steadier than wall time). */
  readonly fit_cpu_s: number;
  readonly predict_s: number;
  /** Binary: ROC AUC; multiclass: accuracy. */
  readonly metric: number;
  /** Binary: accuracy at p1 ≥ 0.5 (§2.1); multiclass: argmax accuracy. */
  readonly accuracy: number;
  readonly pipeline: FittedPipeline<FittedClassifier>;
}

function categoricalColumns(frame: Frame): string[] {
  return frame.columns.filter((c) => c.kind === "categorical").map((c) => c.name);
}

export function makePipeline(model: ModelName, train: Frame, settings: ModelSettings) {
  switch (model) {
    case "logistic_regression":
      return new Pipeline(linEncoding(), new LogisticRegression({ maxIter: 1000 }));
    case "random_forest":
      return new Pipeline(
        ordEncoding(),
        new RandomForestClassifier({
          nEstimators: 100,
          threads: settings.threads,
          maxDepth: settings.forestMaxDepth,
        }),
      );
    case "hist_gradient_boosting":
      return new Pipeline(
        ordEncoding(),
        new HistGradientBoostingClassifier({
          maxIter: 100,
          earlyStopping: false,
          categoricalFeatures: categoricalColumns(train),
          threads: settings.threads,
        }),
      );
  }
}

function scores(proba: Float64Array, truth: ClassTarget): { metric: number; accuracy: number } {
  const k = truth.classes.length;
  if (k === 2) {
    const p1 = proba.filter((_, i) => i % 2 === 1);
    const atHalf = Int32Array.from(p1, (p) => (p >= 0.5 ? 1 : 0));
    return { metric: rocAuc(truth.codes, p1), accuracy: accuracy(truth.codes, atHalf) };
  }
  const predicted = new Int32Array(truth.codes.length);
  for (let i = 0; i < predicted.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    predicted[i] = best;
  }
  const acc = accuracy(truth.codes, predicted);
  return { metric: acc, accuracy: acc };
}

export function fitAndScore(model: ModelName, data: SplitData, settings: ModelSettings): Scored {
  const estimator = makePipeline(model, data.train, settings);
  const cpuStart = process.cpuUsage();
  const fitStart = performance.now();
  const pipeline = estimator.fit(data.train, data.yTrain) as FittedPipeline<FittedClassifier>;
  const fit_s = (performance.now() - fitStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const fit_cpu_s = (cpu.user + cpu.system) / 1e6;
  const predictStart = performance.now();
  const proba = pipeline.predictProba(data.test);
  const predict_s = (performance.now() - predictStart) / 1000;
  return { fit_s, fit_cpu_s, predict_s, ...scores(proba, data.yTest), pipeline };
}
