import { performance } from "node:perf_hooks";
import type { DuckDBDataChunk, DuckDBType } from "@duckdb/node-api";
import { GyreError } from "@gyre/core";
import {
  accuracy,
  brierScore,
  f1Score,
  logLoss,
  mae,
  precision,
  r2,
  recall,
  rmse,
  rocAuc,
  rocAucOvr,
} from "@gyre/ml";
import type { GateMetric, ModelEvaluation, SliceEvaluation } from "@gyre/pipelines";
import { batchFromColumns, type ModelRuntime, type Prediction } from "@gyre/serving";
import { featureColumns, featureValues } from "./predict-features.js";
import { type DataFile, readerSql } from "./predict-formats.js";
import { openScratch } from "./predict-scratch.js";

/**
 * Offline evaluation of served models on one holdout: the same ONNX runtime `gyre serve` uses,
 * scoring the whole holdout, then batch-1 latency in process, then metrics overall and per slice
 * with `@gyre/ml`'s metrics (scikit-learn's definitions).
 */

/** The holdout as DuckDB read it: chunks kept in memory (holdouts are small), and the column layout. */
export interface Holdout {
  readonly label: string;
  readonly rows: number;
  readonly names: readonly string[];
  readonly types: readonly DuckDBType[];
  readonly chunks: readonly DuckDBDataChunk[];
  /** Frees the chunks (they live in DuckDB's memory). */
  close(): Promise<void>;
}

export async function readHoldout(file: DataFile, label: string): Promise<Holdout> {
  const scratch = await openScratch();
  try {
    const result = await scratch.reader.run(`SELECT * FROM ${readerSql(file)}`);
    const chunks: DuckDBDataChunk[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      chunks.push(chunk);
    }
    const rows = chunks.reduce((sum, c) => sum + c.rowCount, 0);
    const close = () => scratch.close();
    return { label, rows, names: result.columnNames(), types: result.columnTypes(), chunks, close };
  } catch (error) {
    await scratch.close();
    throw error;
  }
}

/** One column of the holdout as plain JS values, or an error naming the column and the file. */
export function holdoutColumn(holdout: Holdout, name: string, role: string): unknown[] {
  const index = holdout.names.indexOf(name);
  if (index < 0) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `The ${role} column '${name}' is not in ${holdout.label}; its columns are ${holdout.names.join(", ")}.`,
    );
  }
  return featureValues(holdout.chunks, { names: [name], indexes: [index], primitive: [false], textual: [] })[
    name
  ]!;
}

export interface EvaluateOptions {
  readonly target: string;
  readonly sliceColumns: readonly string[];
  /** Single-row predictions timed for latency (0: no latency figures). */
  readonly latencySamples: number;
  /** How the report names the model. */
  readonly label: string;
}

const MIN_TIMED_ROWS = 1;

export async function evaluateModel(
  runtime: ModelRuntime,
  holdout: Holdout,
  options: EvaluateOptions,
): Promise<ModelEvaluation> {
  if (holdout.rows === 0) throw new GyreError("INVALID_PARAMETER_VALUE", `${holdout.label} has no rows.`);
  const features = featureValues(
    holdout.chunks,
    featureColumns(runtime.schema, holdout.names, holdout.types, holdout.label),
  );
  const prediction = await runtime.predict(batchFromColumns(runtime.schema, features));
  const truth = holdoutColumn(holdout, options.target, "target");
  const scores = scoresOf(runtime, prediction, truth, options.target);
  const all = Int32Array.from({ length: holdout.rows }, (_, i) => i);
  const metrics: Partial<Record<GateMetric, number>> = { ...scores.metrics(all) };
  if (options.latencySamples > 0)
    Object.assign(metrics, await latency(runtime, features, options.latencySamples));
  const slices: Record<string, SliceEvaluation[]> = {};
  for (const column of options.sliceColumns) {
    const groups = new Map<string, number[]>();
    holdoutColumn(holdout, column, "slice").forEach((value, i) => {
      const key = value === null || value === undefined ? "(missing)" : String(value);
      const rows = groups.get(key);
      if (rows) rows.push(i);
      else groups.set(key, [i]);
    });
    slices[column] = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([value, rows]) => ({ value, rows: rows.length, metrics: scores.metrics(Int32Array.from(rows)) }));
  }
  return { model: options.label, task: scores.task, rows: holdout.rows, metrics, slices };
}

interface Scores {
  readonly task: "classification" | "regression";
  metrics(rows: Int32Array): Partial<Record<GateMetric, number>>;
}

function output(prediction: Prediction, name: string) {
  return prediction.outputs.find((o) => o.name === name);
}

/** Classifiers answer `probabilities` [N, K] (and `label`); regressors `prediction` [N] (@gyre/ml's outputs). */
function scoresOf(runtime: ModelRuntime, prediction: Prediction, truth: unknown[], target: string): Scores {
  const probabilities = output(prediction, "probabilities");
  if (probabilities) return classificationScores(runtime, prediction, truth, target);
  const predicted =
    output(prediction, "prediction") ?? (prediction.outputs.length === 1 ? prediction.outputs[0] : undefined);
  if (!predicted || predicted.type === "string") {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Model ${runtime.name} answers ${prediction.outputs.map((o) => o.name).join(", ")}; gyre test needs 'probabilities' (classifiers) or 'prediction' (regressors).`,
    );
  }
  const y = numbers(truth, target);
  const yHat = Float64Array.from(predicted.data as ArrayLike<number>, Number);
  return {
    task: "regression",
    metrics: (rows) => {
      const t = pick(y, rows);
      const p = pick(yHat, rows);
      return { rmse: rmse(t, p), mae: mae(t, p), r2: r2(t, p) };
    },
  };
}

function classificationScores(
  runtime: ModelRuntime,
  prediction: Prediction,
  truth: unknown[],
  target: string,
): Scores {
  const probabilities = output(prediction, "probabilities")!;
  const k = probabilities.shape[1] ?? 1;
  const proba = Float64Array.from(probabilities.data as ArrayLike<number>, Number);
  const classes = classesOf(runtime, prediction, proba, k);
  const codeOf = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(truth, (value, row) => {
    const code = codeOf.get(String(value));
    if (code === undefined) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Target '${target}' holds ${JSON.stringify(String(value))} at row ${row + 1}, which is not a class of model ${runtime.name} (${classes.join(", ")}).`,
      );
    }
    return code;
  });
  const predicted = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    predicted[i] = best;
  }
  return {
    task: "classification",
    metrics: (rows) => {
      const t = pick(y, rows);
      const p = pick(predicted, rows);
      const pr = new Float64Array(rows.length * k);
      for (let i = 0; i < rows.length; i++) pr.set(proba.subarray(rows[i]! * k, rows[i]! * k + k), i * k);
      if (k === 2) {
        const p1 = Float64Array.from({ length: rows.length }, (_, i) => pr[2 * i + 1]!);
        return {
          roc_auc: oneClass(t) ? Number.NaN : rocAuc(t, p1),
          accuracy: accuracy(t, p),
          precision: precision(t, p),
          recall: recall(t, p),
          f1: f1Score(t, p),
          log_loss: logLoss(t, pr),
          brier: brierScore(t, p1),
        };
      }
      const macro = { average: "macro" } as const;
      return {
        roc_auc: oneClass(t) ? Number.NaN : rocAucOvr(t, pr),
        accuracy: accuracy(t, p),
        precision: precision(t, p, macro),
        recall: recall(t, p, macro),
        f1: f1Score(t, p, macro),
        log_loss: logLoss(t, pr),
      };
    },
  };
}

function oneClass(y: Int32Array): boolean {
  return y.every((v) => v === y[0]);
}

/** The model's classes in probability-column order: the manifest's, else read off its label output. */
function classesOf(runtime: ModelRuntime, prediction: Prediction, proba: Float64Array, k: number): string[] {
  const declared = runtime.model.metadata?.classes;
  if (Array.isArray(declared) && declared.length === k) return declared.map(String);
  const labels = output(prediction, "label");
  const classes = Array.from({ length: k }, (_, c) => String(c));
  if (labels) {
    for (let i = 0; i < prediction.rows; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
      classes[best] = String(labels.data[i]);
    }
  }
  return classes;
}

function numbers(values: unknown[], target: string): Float64Array {
  return Float64Array.from(values, (value, row) => {
    const n = typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : Number.NaN;
    if (!Number.isFinite(n)) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Target '${target}' holds ${JSON.stringify(String(value))} at row ${row + 1}; a regressor's target must be a number.`,
      );
    }
    return n;
  });
}

function pick<T extends Int32Array | Float64Array>(values: T, rows: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}

/**
 * Batch-1 latency in process: `samples` single-row predictions, one after another, cycling over
 * the holdout's rows, after a few untimed warm-up calls. Nearest-rank percentiles, in ms.
 */
async function latency(
  runtime: ModelRuntime,
  features: Record<string, unknown[]>,
  samples: number,
): Promise<Partial<Record<GateMetric, number>>> {
  const names = Object.keys(features);
  const rows = features[names[0]!]?.length ?? 0;
  const single = (row: number) =>
    batchFromColumns(runtime.schema, Object.fromEntries(names.map((n) => [n, [features[n]![row]]])));
  for (let i = 0; i < Math.min(5, rows); i++) await runtime.predict(single(i));
  const times = new Float64Array(Math.max(samples, MIN_TIMED_ROWS));
  for (let i = 0; i < times.length; i++) {
    const batch = single(i % rows);
    const start = performance.now();
    await runtime.predict(batch);
    times[i] = performance.now() - start;
  }
  times.sort();
  return { latency_p50_ms: nearestRank(times, 0.5), latency_p99_ms: nearestRank(times, 0.99) };
}

export function nearestRank(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
