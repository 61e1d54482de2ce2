import type { PredictionRecord } from "./record.js";

/**
 * Where the prediction log writes. The embedded default is `JsonlDaySink` (newline-delimited
 * JSON partitioned by day); monitoring adds columnar and database sinks behind the same two calls.
 * The log calls `write` with one batch at a time, never concurrently.
 */
export interface PredictionSink {
  /** Stores a batch; a rejection counts the whole batch as failed (the log does not retry). */
  write(records: readonly PredictionRecord[]): Promise<void>;
  /** Flushes and frees what the sink holds; called once, after the last write. */
  close(): Promise<void>;
}
