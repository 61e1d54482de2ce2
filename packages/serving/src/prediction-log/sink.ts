import { type LoggedEntry, type PredictionRecord, toRecord } from "./record.js";

/**
 * Where the prediction log writes. The embedded default is `JsonlDaySink` (newline-delimited
 * JSON partitioned by day); monitoring adds columnar and database sinks behind the same two calls.
 * The log calls `write` with one batch at a time, never concurrently.
 */
export interface PredictionSink {
  /** Stores a batch; a rejection counts the whole batch as failed (the log does not retry). */
  write(records: readonly PredictionRecord[]): Promise<void>;
  /**
   * Optional, and used instead of `write` when present: stores a batch given as entries, for a
   * sink that writes its format straight from the tensors more cheaply than through records.
   * `pause`, when given, is awaited every so many entries: the caller's way to spread the work.
   */
  writeEntries?(entries: readonly LoggedEntry[], pause?: () => Promise<void>): Promise<void>;
  /** Flushes and frees what the sink holds; called once, after the last write. */
  close(): Promise<void>;
}

/** What one batch came to: entries stored, entries lost, and why. */
export interface BatchOutcome {
  readonly stored: number;
  readonly failed: number;
  readonly errors: readonly unknown[];
}

/** Entries handled between two pauses of a paced write (~0.4 ms of work as JSONL). */
export const PAUSE_EVERY = 128;

/**
 * One batch into a sink, as both logs (in-thread and worker) hand it over: through `writeEntries`
 * when the sink has it (with `pause`, if given), else as records, an entry that cannot become a
 * record failing alone. A record sink given `pause` gets the batch in chunks of PAUSE_EVERY with
 * a pause between them, each chunk stored or failed on its own.
 */
export async function writeBatch(
  sink: PredictionSink,
  entries: readonly LoggedEntry[],
  pause?: () => Promise<void>,
): Promise<BatchOutcome> {
  if (entries.length === 0) return { stored: 0, failed: 0, errors: [] };
  if (sink.writeEntries) {
    try {
      await sink.writeEntries(entries, pause);
      return { stored: entries.length, failed: 0, errors: [] };
    } catch (error) {
      return { stored: 0, failed: entries.length, errors: [error] };
    }
  }
  if (!pause) return writeRecords(sink, entries);
  let stored = 0;
  let failed = 0;
  const errors: unknown[] = [];
  for (let from = 0; from < entries.length; from += PAUSE_EVERY) {
    if (from > 0) await pause();
    const outcome = await writeRecords(sink, entries.slice(from, from + PAUSE_EVERY));
    stored += outcome.stored;
    failed += outcome.failed;
    errors.push(...outcome.errors);
  }
  return { stored, failed, errors };
}

async function writeRecords(sink: PredictionSink, entries: readonly LoggedEntry[]): Promise<BatchOutcome> {
  const records: PredictionRecord[] = [];
  const errors: unknown[] = [];
  for (const entry of entries) {
    try {
      records.push(toRecord(entry));
    } catch (error) {
      errors.push(error);
    }
  }
  if (records.length === 0) return { stored: 0, failed: errors.length, errors };
  try {
    await sink.write(records);
    return { stored: records.length, failed: errors.length, errors };
  } catch (error) {
    return { stored: 0, failed: entries.length, errors: [...errors, error] };
  }
}
