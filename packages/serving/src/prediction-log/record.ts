import type { PredictionDiff } from "../deployments/diff.js";
import type { DeploymentArm } from "../registry-view.js";
import type { ElementType, TensorData } from "../runtime/dtypes.js";
import { float32Text } from "../runtime/float32-text.js";
import type { InputBatch, InputSchema } from "../runtime/input-schema.js";
import type { OutputTensor, Prediction } from "../runtime/predictor.js";

/**
 * What formatting an entry reads of it: `PredictionEntry` has this shape, and so do the plain
 * objects the off-thread log rebuilds from packed entries in its worker.
 */
export interface LoggedEntry {
  readonly requestId: string;
  /** Arrival, milliseconds since the epoch. */
  readonly receivedAt: number;
  readonly model: string;
  readonly version: string | undefined;
  readonly arm: DeploymentArm | undefined;
  readonly latencyMs: number;
  readonly schema: LoggedSchema;
  readonly batch: Pick<InputBatch, "rows" | "data" | "rowShapes">;
  /** Absent for a shadow that failed. */
  readonly prediction: { readonly outputs: readonly OutputTensor[] } | undefined;
  /** Shadows: the version whose answer was returned, and how this one differs from it. */
  readonly shadow?: {
    readonly primaryVersion: string | undefined;
    readonly diff?: PredictionDiff;
    readonly error?: string;
  };
}

/**
 * One prediction as the request path hands it over: references only. Turning tensors into JSON
 * is left to the log's flush, after the answer has gone out.
 */
export interface PredictionEntry extends LoggedEntry {
  readonly schema: InputSchema;
  readonly batch: InputBatch;
  readonly prediction: Prediction | undefined;
}

/** What the log reads of a model's input schema: how the signature's fields sit in the feeds. */
export interface LoggedSchema {
  readonly kind: InputSchema["kind"];
  readonly fields: readonly { readonly name: string; readonly feed: number; readonly offset: number }[];
  readonly feeds: readonly { readonly type: ElementType }[];
}

/** Anything predictions can be handed to; `record` must return at once and never throw. */
export interface PredictionRecorder {
  record(entry: PredictionEntry): void;
}

/** A prediction as sinks store it: one JSON object per line in the embedded JSONL sink. */
export interface PredictionRecord {
  readonly request_id: string;
  /** ISO 8601, UTC, millisecond precision: when the request arrived. */
  readonly timestamp: string;
  readonly model: string;
  readonly version: string | null;
  readonly arm: DeploymentArm | null;
  readonly latency_ms: number;
  /** Column signatures: column → one value per row; tensor signatures: input → rows, nested. */
  readonly inputs: Record<string, unknown>;
  /** Output → rows, nested; empty for a failed shadow. */
  readonly outputs: Record<string, unknown>;
  readonly primary_version?: string | null;
  readonly diff?: PredictionDiff;
  readonly error?: string;
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function jsonElement(data: TensorData, index: number, type: ElementType): unknown {
  const value = data[index];
  if (type === "bool") return value !== 0;
  // The float32's own shortest text, read back as a double: 0.1, not 0.10000000149011612.
  if (type === "float32") return Number(float32Text(value as number));
  // int64 as a JSON number, exact up to 2^53 (as the protocols answer it).
  return typeof value === "bigint" ? Number(value) : value;
}

/**
 * A row-major tensor as nested JSON arrays, read straight out of its typed array: no flat copy and
 * no slicing per level (this runs for every logged prediction).
 */
function nested(data: TensorData, type: ElementType, shape: readonly number[]): unknown {
  const strides = shape.map((_, i) => product(shape.slice(i + 1)));
  const build = (level: number, offset: number): unknown[] => {
    const length = shape[level]!;
    const out = new Array<unknown>(length);
    if (level === shape.length - 1) {
      for (let i = 0; i < length; i++) out[i] = jsonElement(data, offset + i, type);
    } else {
      for (let i = 0; i < length; i++) out[i] = build(level + 1, offset + i * strides[level]!);
    }
    return out;
  };
  return shape.length === 0 ? jsonElement(data, 0, type) : build(0, 0);
}

/** The inputs as the model was fed them, named as clients name them (the signature's fields). */
export function inputsJson(schema: LoggedSchema, batch: LoggedEntry["batch"]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const data = batch.data[field.feed]!;
    const rowShape = batch.rowShapes[field.feed]!;
    const feedType = schema.feeds[field.feed]!.type;
    if (schema.kind === "columns") {
      const size = product(rowShape);
      const values = new Array<unknown>(batch.rows);
      for (let r = 0; r < batch.rows; r++) values[r] = jsonElement(data, r * size + field.offset, feedType);
      inputs[field.name] = values;
    } else {
      inputs[field.name] = nested(data, feedType, [batch.rows, ...rowShape]);
    }
  }
  return inputs;
}

export function outputsJson(prediction: LoggedEntry["prediction"]): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const o of prediction?.outputs ?? []) outputs[o.name] = nested(o.data, o.type, o.shape);
  return outputs;
}

export function toRecord(entry: LoggedEntry): PredictionRecord {
  return {
    request_id: entry.requestId,
    timestamp: new Date(entry.receivedAt).toISOString(),
    model: entry.model,
    version: entry.version ?? null,
    arm: entry.arm ?? null,
    latency_ms: Math.round(entry.latencyMs * 1000) / 1000,
    inputs: inputsJson(entry.schema, entry.batch),
    outputs: outputsJson(entry.prediction),
    ...(entry.shadow
      ? {
          primary_version: entry.shadow.primaryVersion ?? null,
          ...(entry.shadow.diff ? { diff: entry.shadow.diff } : {}),
          ...(entry.shadow.error === undefined ? {} : { error: entry.shadow.error }),
        }
      : {}),
  };
}
