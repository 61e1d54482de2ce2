import type { PredictionEntry, PredictionRecorder } from "./record.js";
import { type PredictionSink, writeBatch } from "./sink.js";

export interface PredictionLogOptions {
  /** Entries allowed to wait for the sink; past it new entries are dropped and counted. Default 10,000. */
  readonly capacity?: number;
  /** A write starts as soon as this many entries wait; default 256. */
  readonly batchSize?: number;
  /** Fewer entries are written at least this often; default 250 ms. */
  readonly flushIntervalMs?: number;
  /** Told about failed writes (the entries are counted as failed and not retried). */
  readonly onError?: (error: unknown) => void;
}

export interface PredictionLogStats {
  /** Entries handed to the log, including dropped ones. */
  readonly recorded: number;
  readonly written: number;
  /** Refused because the queue was full. */
  readonly dropped: number;
  /** Lost in a failed write (or failed to serialise). */
  readonly failed: number;
  /** Waiting or being written. */
  readonly queued: number;
}

/** At most this many entries per write, so one write never holds an unbounded batch. */
const MAX_WRITE = 4096;

/**
 * The asynchronous prediction log: `record` only pushes a reference onto a bounded queue, so
 * logging neither slows nor fails a request; a full queue drops the entry and counts it. Entries
 * are serialised and handed to the sink in batches, one write at a time, after the answers of the
 * current event-loop turn have gone out.
 */
export class PredictionLog implements PredictionRecorder {
  private queue: PredictionEntry[] = [];
  private writing = 0;
  private scheduled = false;
  private closed = false;
  private inFlight: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly capacity: number;
  private readonly batchSize: number;
  private counts = { recorded: 0, written: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly sink: PredictionSink,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? 256, this.capacity));
    this.timer = setInterval(() => this.startWrite(), options.flushIntervalMs ?? 250);
    // The log must not keep a process alive on its own.
    this.timer.unref();
  }

  get stats(): PredictionLogStats {
    return { ...this.counts, queued: this.queue.length + this.writing };
  }

  record(entry: PredictionEntry): void {
    this.counts.recorded++;
    if (this.closed || this.queue.length >= this.capacity) {
      this.counts.dropped++;
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.batchSize && !this.scheduled && !this.inFlight) {
      // Next turn, not now: the answer this entry belongs to is still being written.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startWrite();
      });
    }
  }

  /** Resolves once everything recorded so far has been handed to the sink. */
  async flush(): Promise<void> {
    while (this.inFlight || this.queue.length > 0) {
      if (this.inFlight) await this.inFlight;
      else this.startWrite();
    }
  }

  /** Writes what is queued, then closes the sink; later entries are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    await this.sink.close();
  }

  private startWrite(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const entries = this.queue.length <= MAX_WRITE ? this.queue : this.queue.slice(0, MAX_WRITE);
    this.queue = this.queue.length <= MAX_WRITE ? [] : this.queue.slice(MAX_WRITE);
    this.writing = entries.length;
    this.inFlight = this.write(entries).finally(() => {
      this.writing = 0;
      this.inFlight = undefined;
      if (this.queue.length >= this.batchSize) this.startWrite();
    });
  }

  private async write(entries: readonly PredictionEntry[]): Promise<void> {
    const outcome = await writeBatch(this.sink, entries);
    this.counts.written += outcome.stored;
    this.counts.failed += outcome.failed;
    for (const error of outcome.errors) this.options.onError?.(error);
  }
}
