import { accuracy, f1Score, logLoss, mae, precision, r2, recall, rmse, rocAuc, rocAucOvr } from "@gyre/ml";
import type { LabeledPrediction } from "../store/prediction-store.js";

export type Task = "classification" | "regression";

export interface PerformanceOptions {
  readonly task?: Task | undefined;
  readonly predictionOutput?: string | undefined;
  readonly scoreOutput?: string | undefined;
  readonly positiveClass?: number | string | undefined;
}

export interface Performance {
  readonly task: Task | null;
  /** Labeled rows scored. */
  readonly rows: number;
  readonly metrics: Record<string, number | null>;
}

const PREDICTION_NAMES = [
  "label",
  "output_label",
  "predicted_label",
  "prediction",
  "predictions",
  "variable",
];
const SCORE_NAMES = ["probability", "probabilities", "output_probability", "proba"];

const unwrap = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);

function pick(outputs: Record<string, unknown>, explicit: string | undefined, names: readonly string[]) {
  if (explicit !== undefined) return explicit in outputs ? explicit : undefined;
  return names.find((n) => n in outputs);
}

/** Class probabilities of a row: `[p]` or `p` is P(positive) of a binary model; a list is one per class. */
function scoresOf(value: unknown): number[] | undefined {
  const v = Array.isArray(value) && value.length === 1 && Array.isArray(value[0]) ? value[0] : value;
  if (typeof v === "number") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  return undefined;
}

function classKey(value: unknown): number | string | undefined {
  const v = unwrap(value);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  // A class logged as the text of a number ("1", as @gyre/ml's models output) and a label sent as
  // that number (1) are one class; only the canonical text counts, so "01" stays a string class.
  if (typeof v === "string") return v !== "" && String(Number(v)) === v ? Number(v) : v;
  return undefined;
}

const compareKeys = (a: number | string, b: number | string) =>
  typeof a === "number" && typeof b === "number"
    ? a - b
    : String(a) < String(b)
      ? -1
      : String(a) > String(b)
        ? 1
        : 0;

/**
 * The prediction of one row as one value, for drift: the prediction output's value (classes as
 * they are, booleans as 0/1), else the most probable class index (P ≥ 0.5 → 1 for one probability).
 */
export function predictedValue(
  outputs: Record<string, unknown>,
  options: PerformanceOptions,
): number | string | undefined {
  const scoreName = pick(outputs, options.scoreOutput, SCORE_NAMES);
  const predictionName =
    pick(outputs, options.predictionOutput, PREDICTION_NAMES) ??
    (scoreName === undefined ? Object.keys(outputs)[0] : undefined);
  if (predictionName !== undefined) return classKey(outputs[predictionName]);
  const s = scoresOf(outputs[scoreName!]);
  if (!s || s.length === 0) return undefined;
  if (s.length === 1) return s[0]! >= 0.5 ? 1 : 0;
  let best = 0;
  for (let c = 1; c < s.length; c++) if (s[c]! > s[best]!) best = c;
  return best;
}

/**
 * Performance of labeled predictions with @gyre/ml's metrics (scikit-learn's definitions).
 * Classification: the predicted class is the prediction output (`label`, …) or, failing that, the
 * most probable class (P ≥ 0.5 for a one-column probability); classes are the sorted union of
 * labels and predictions, and probability column i is the i-th class. Two classes: precision,
 * recall and F1 of the positive class (`positive_class`, default 1, else the larger class), ROC
 * AUC and log loss from P(positive). More: macro averages, one-vs-rest macro ROC AUC and
 * multi-class log loss. A metric that cannot be computed (one class only, no scores) is null.
 * Regression: RMSE, MAE, R² of the first prediction output value against the label.
 */
export function performanceOf(rows: readonly LabeledPrediction[], options: PerformanceOptions): Performance {
  const labeled = rows.filter((r) => r.label !== null);
  if (labeled.length === 0) return { task: options.task ?? null, rows: 0, metrics: {} };
  const first = labeled[0]!.outputs;
  const scoreName = pick(first, options.scoreOutput, SCORE_NAMES);
  const predictionName =
    pick(first, options.predictionOutput, PREDICTION_NAMES) ??
    (scoreName === undefined ? Object.keys(first)[0] : undefined);
  const task: Task =
    options.task ??
    (scoreName !== undefined ||
    labeled.every((r) => {
      const label = unwrap(r.label);
      return typeof label !== "number" || Number.isInteger(label);
    })
      ? "classification"
      : "regression");
  return task === "regression"
    ? regression(labeled, predictionName)
    : classification(labeled, predictionName, scoreName, options.positiveClass);
}

function regression(rows: readonly LabeledPrediction[], output: string | undefined): Performance {
  const truth: number[] = [];
  const predicted: number[] = [];
  for (const r of rows) {
    const y = Number(unwrap(r.label));
    const p = Number(unwrap(output === undefined ? undefined : r.outputs[output]));
    if (Number.isFinite(y) && Number.isFinite(p)) {
      truth.push(y);
      predicted.push(p);
    }
  }
  if (truth.length === 0) return { task: "regression", rows: 0, metrics: {} };
  const t = Float64Array.from(truth);
  const p = Float64Array.from(predicted);
  return {
    task: "regression",
    rows: truth.length,
    metrics: { rmse: rmse(t, p), mae: mae(t, p), r2: truth.length < 2 ? null : finiteOrNull(r2(t, p)) },
  };
}

function classification(
  rows: readonly LabeledPrediction[],
  predictionName: string | undefined,
  scoreName: string | undefined,
  positiveClass: number | string | undefined,
): Performance {
  const labels: (number | string)[] = [];
  const predictions: (number | string | undefined)[] = [];
  const scores: (number[] | undefined)[] = [];
  for (const r of rows) {
    const label = classKey(r.label);
    if (label === undefined) continue;
    labels.push(label);
    predictions.push(predictionName === undefined ? undefined : classKey(r.outputs[predictionName]));
    scores.push(scoreName === undefined ? undefined : scoresOf(r.outputs[scoreName]));
  }
  const width = scores.find((s) => s !== undefined)?.length ?? 0;
  const scored = width > 0 && scores.every((s) => s?.length === width);
  const seen = new Set<number | string>([...labels, ...predictions.filter((p) => p !== undefined)]);
  // One probability per row is a binary model's P(class 1): its classes are 0 and 1.
  if (scored && width === 1) {
    seen.add(0);
    seen.add(1);
  }
  if (scored && width > 1 && [...seen].every((c) => typeof c === "number")) {
    for (let c = 0; c < width; c++) seen.add(c);
  }
  const classes = [...seen].sort(compareKeys);
  const code = new Map(classes.map((c, i) => [c, i]));
  const positive =
    positiveClass !== undefined && code.has(positiveClass)
      ? positiveClass
      : code.has(1)
        ? 1
        : classes[classes.length - 1]!;
  // Without a prediction output, the predicted class is the most probable one.
  const predictedCodes = predictions.map((p, i) => {
    if (p !== undefined) return code.get(p)!;
    const s = scores[i];
    if (!s) return -1;
    if (s.length === 1) return code.get(s[0]! >= 0.5 ? positive : classes.find((c) => c !== positive)!)!;
    let best = 0;
    for (let c = 1; c < s.length; c++) if (s[c]! > s[best]!) best = c;
    return best;
  });
  const yTrue = Int32Array.from(labels.map((l) => code.get(l)!));
  const yPred = Int32Array.from(predictedCodes);
  const binary = classes.length <= 2;
  const positiveCode = code.get(positive)!;
  const options = binary
    ? { average: "binary" as const, positive: positiveCode }
    : { average: "macro" as const };
  const metrics: Record<string, number | null> = {
    accuracy: predictedCodes.some((c) => c < 0) ? null : accuracy(yTrue, yPred),
    precision: predictedCodes.some((c) => c < 0) ? null : precision(yTrue, yPred, options),
    recall: predictedCodes.some((c) => c < 0) ? null : recall(yTrue, yPred, options),
    f1: predictedCodes.some((c) => c < 0) ? null : f1Score(yTrue, yPred, options),
    roc_auc: null,
    log_loss: null,
  };
  if (scored) {
    const n = labels.length;
    if (binary) {
      // P(positive): the one column, or the positive class's column.
      const p1 = Float64Array.from(scores, (s) => (width === 1 ? s![0]! : s![positiveCode]!));
      const isPositive = Int32Array.from(yTrue, (c) => (c === positiveCode ? 1 : 0));
      metrics.roc_auc = bothClasses(isPositive) ? rocAuc(isPositive, p1) : null;
      metrics.log_loss = logLoss(isPositive, p1);
    } else if (width === classes.length) {
      const proba = new Float64Array(n * width);
      scores.forEach((s, i) => {
        proba.set(s!, i * width);
      });
      metrics.log_loss = logLoss(yTrue, proba);
      metrics.roc_auc = presentClasses(yTrue) === width ? rocAucOvr(yTrue, proba, "macro") : null;
    }
  }
  return { task: "classification", rows: labels.length, metrics };
}

function bothClasses(y: Int32Array): boolean {
  return y.includes(0) && y.includes(1);
}

function presentClasses(y: Int32Array): number {
  return new Set(y).size;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
