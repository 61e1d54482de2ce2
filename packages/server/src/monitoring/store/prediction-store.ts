/**
 * The prediction store: every served prediction row, the ground truth that arrives for it later,
 * and per-minute request counts (errors and signature violations included), queryable by model,
 * deployment, version, arm and time window. One interface, two backends chosen by URI
 * (`openPredictionStore`): Parquet files partitioned by day read through DuckDB (embedded
 * default) and PostgreSQL tables (scale-out). Both pass one conformance suite
 * (`test/monitoring-store.test.ts`).
 */

/** One predicted row: a request of n rows becomes n of these (row = 0 … n − 1). */
export interface PredictionRow {
  readonly request_id: string;
  readonly row: number;
  /** When the request arrived, ms since the epoch. */
  readonly timestamp: number;
  /** The registered model (or the served model's name under `gyre serve`). */
  readonly model: string;
  /** The named deployment that answered; null for `gyre serve`. */
  readonly deployment: string | null;
  readonly version: string | null;
  /** "primary" | "canary" | "shadow"; null for a single-model server. */
  readonly arm: string | null;
  /** The whole request's latency (every row of a request has the same). */
  readonly latency_ms: number;
  /** Input name → this row's value (a scalar for column signatures, nested arrays for tensors). */
  readonly inputs: Record<string, unknown>;
  /** Output name → this row's value. */
  readonly outputs: Record<string, unknown>;
}

/** Ground truth for one predicted row. */
export interface LabelInput {
  readonly request_id: string;
  /** The row of the request (default 0). */
  readonly row?: number;
  readonly value: number | string | boolean;
}

/** Per-minute counts of inference requests, successful or not, by model version and arm. */
export interface RequestCountRow {
  /** Start of the minute, ms since the epoch. */
  readonly minute: number;
  readonly model: string;
  readonly deployment: string | null;
  readonly version: string | null;
  readonly arm: string | null;
  readonly requests: number;
  /** Answered with a 4xx or 5xx status. */
  readonly errors: number;
  /** Refused with 400 after the model was chosen: the inputs did not match its signature. */
  readonly invalid: number;
}

/** Which predictions: every field narrows; `start` inclusive, `end` exclusive (ms). */
export interface PredictionQuery {
  /** One request's rows (every version that answered it). */
  readonly requestId?: string | undefined;
  readonly model?: string | undefined;
  readonly deployment?: string | undefined;
  readonly version?: string | undefined;
  readonly arm?: string | undefined;
  readonly start?: number | undefined;
  readonly end?: number | undefined;
  /** Most rows returned (newest windows are usually small); default 100,000. */
  readonly limit?: number | undefined;
  /**
   * When more rows match than `limit`: a uniform sample of them instead of the newest. Rows are
   * ranked by the MD5 of `request_id:row` — the same rows on every call and on both backends, and
   * a request's copies under other versions (shadows) ranked beside it.
   */
  readonly sample?: boolean | undefined;
  /** Only rows that have a label. */
  readonly labeledOnly?: boolean | undefined;
}

export interface LabeledPrediction extends PredictionRow {
  /** The row's latest label (last write wins by arrival); null when none arrived yet. */
  readonly label: number | string | boolean | null;
  readonly label_time: number | null;
}

/** Operational figures over a window: per (version, arm), and over the answers clients got. */
export interface OperationalFigures {
  readonly by_version: readonly OperationalRow[];
  /** Every version and arm but shadows, whose answers were never returned. */
  readonly answered: AnsweredFigures;
}

export interface AnsweredFigures {
  readonly requests: number;
  readonly rows: number;
  readonly latency_p50_ms: number | null;
  readonly latency_p99_ms: number | null;
}

/** Operational figures of one (version, arm) over a window. */
export interface OperationalRow {
  readonly version: string | null;
  readonly arm: string | null;
  /** Logged predictions (requests and rows). */
  readonly requests: number;
  readonly rows: number;
  readonly latency_p50_ms: number | null;
  readonly latency_p99_ms: number | null;
  /** From the request counts: every request, failed ones included (0 when nothing counted them). */
  readonly counted_requests: number;
  readonly errors: number;
  readonly invalid: number;
}

export interface PredictionStore {
  /** Where it lives, for logs and the API. */
  readonly description: string;
  /**
   * Stores a batch; resolves once it is durable (Parquet: file fsynced and renamed into place;
   * PostgreSQL: committed). A row already stored (same request id and row) keeps its first copy.
   */
  appendPredictions(rows: readonly PredictionRow[]): Promise<void>;
  /**
   * Stores labels in arrival order; for the same (request id, row) the last one stored wins,
   * within a batch the later entry. Resolves to the number stored, once durable.
   */
  appendLabels(labels: readonly LabelInput[], arrivedAt: number): Promise<number>;
  appendRequestCounts(rows: readonly RequestCountRow[]): Promise<void>;
  /** Matching rows, oldest first (by timestamp, request id, row), each with its latest label. */
  predictions(query: PredictionQuery): Promise<LabeledPrediction[]>;
  /**
   * Latency percentiles and counts per (version, arm) over the whole of the query's window (never
   * limited), and the same over the answered (non-shadow) rows.
   */
  operational(query: PredictionQuery): Promise<OperationalFigures>;
  /**
   * Retention: removes whole days (UTC) strictly before the day holding `cutoff` — predictions by
   * their timestamp, labels by arrival, counts by minute. Resolves to the days removed.
   */
  deleteDaysBefore(cutoff: number): Promise<string[]>;
  close(): Promise<void>;
}

export const DEFAULT_QUERY_LIMIT = 100_000;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (UTC) of a time in ms. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The start of the UTC day holding `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** A label value as stored (JSON text keeps numbers, strings and booleans apart). */
export function encodeLabel(value: LabelInput["value"]): string {
  return JSON.stringify(value);
}

export function decodeLabel(text: string | null): LabeledPrediction["label"] {
  return text === null ? null : (JSON.parse(text) as LabeledPrediction["label"]);
}
