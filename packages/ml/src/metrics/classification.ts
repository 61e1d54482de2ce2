/**
 * Label metrics on class codes (Int32Array), with scikit-learn's definitions: labels default to the
 * sorted union of the codes present in either array, an undefined precision or recall (no predicted
 * or no true rows) counts as 0 (`zero_division=0`), binary metrics score the positive code 1.
 */
import { checkSameLength } from "./check.js";

export type Average = "binary" | "macro" | "micro" | "weighted";

export interface PrecisionRecallF1 {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface LabelMetricOptions {
  readonly average?: Average;
  /** The positive code for `binary` (default 1). */
  readonly positive?: number;
  /** The codes to score (default: every code present in yTrue or yPred). */
  readonly labels?: readonly number[];
}

export function accuracy(yTrue: Int32Array, yPred: Int32Array): number {
  checkSameLength(yTrue, yPred, "accuracy");
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

export interface ConfusionMatrix {
  /** The codes, ascending; row r / column c of `counts` are labels[r] / labels[c]. */
  readonly labels: Int32Array;
  /** Row-major labels × labels: rows are true classes, columns predicted ones. */
  readonly counts: Int32Array;
}

export function confusionMatrix(
  yTrue: Int32Array,
  yPred: Int32Array,
  labels?: readonly number[],
): ConfusionMatrix {
  checkSameLength(yTrue, yPred, "confusionMatrix");
  const used = Int32Array.from(labels ?? presentLabels(yTrue, yPred));
  const k = used.length;
  const position = positionsOf(used);
  const counts = new Int32Array(k * k);
  for (let i = 0; i < yTrue.length; i++) {
    const r = position.get(yTrue[i]!);
    const c = position.get(yPred[i]!);
    if (r !== undefined && c !== undefined) counts[r * k + c]!++;
  }
  return { labels: used, counts };
}

export function precisionRecallF1(
  yTrue: Int32Array,
  yPred: Int32Array,
  options: LabelMetricOptions = {},
): PrecisionRecallF1 {
  checkSameLength(yTrue, yPred, "precisionRecallF1");
  const average = options.average ?? "binary";
  const labels =
    average === "binary" ? [options.positive ?? 1] : (options.labels ?? presentLabels(yTrue, yPred));
  const position = positionsOf(labels);
  const k = labels.length;
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  for (let i = 0; i < yTrue.length; i++) {
    const t = position.get(yTrue[i]!);
    const p = position.get(yPred[i]!);
    if (t !== undefined) actual[t]!++;
    if (p !== undefined) predicted[p]!++;
    if (t !== undefined && t === p) tp[t]!++;
  }
  if (average === "micro") return scores(sum(tp), sum(predicted), sum(actual));
  const per = Array.from({ length: k }, (_, c) => scores(tp[c]!, predicted[c]!, actual[c]!));
  if (average === "binary") return per[0]!;
  const weights = average === "weighted" ? actual : new Float64Array(k).fill(1);
  const total = sum(weights);
  if (total === 0) return { precision: 0, recall: 0, f1: 0 };
  const mean = (pick: (s: PrecisionRecallF1) => number): number =>
    per.reduce((acc, s, c) => acc + pick(s) * weights[c]!, 0) / total;
  return { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1) };
}

export function precision(yTrue: Int32Array, yPred: Int32Array, options?: LabelMetricOptions): number {
  return precisionRecallF1(yTrue, yPred, options).precision;
}

export function recall(yTrue: Int32Array, yPred: Int32Array, options?: LabelMetricOptions): number {
  return precisionRecallF1(yTrue, yPred, options).recall;
}

export function f1Score(yTrue: Int32Array, yPred: Int32Array, options?: LabelMetricOptions): number {
  return precisionRecallF1(yTrue, yPred, options).f1;
}

function scores(tp: number, predicted: number, actual: number): PrecisionRecallF1 {
  const p = predicted === 0 ? 0 : tp / predicted;
  const r = actual === 0 ? 0 : tp / actual;
  return { precision: p, recall: r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}

/** Sorted distinct codes present in any of the arrays. */
export function presentLabels(...arrays: Int32Array[]): number[] {
  const seen = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) seen.add(a[i]!);
  return [...seen].sort((a, b) => a - b);
}

function positionsOf(labels: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) m.set(labels[i]!, i);
  return m;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
