import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { InputSchema } from "../runtime/input-schema.js";
import type { JsonlSinkOptions } from "./jsonl-sink.js";
import { PackBuilder, type PackedBatch } from "./pack.js";
import type { PredictionLogOptions, PredictionLogStats } from "./prediction-log.js";
import type { LoggedSchema, PredictionEntry, PredictionRecorder } from "./record.js";

/**
 * A sink the log's worker thread builds itself: `new (await import(module))[export](...args)`.
 * The arguments cross a thread boundary, so they must be plain (structured-cloneable) data.
 */
export interface SinkModule {
  /** A file: URL or a package specifier the worker can import. */
  readonly module: string;
  readonly export: string;
  readonly args?: readonly unknown[];
}

export interface LogWorkerData {
  readonly sink: SinkModule;
}

export type ToLogWorker = { type: "batch"; batch: PackedBatch } | { type: "close" };
export type FromLogWorker =
  | { type: "ready" }
  | { type: "done"; written: number; failed: number; errors: string[] }
  | { type: "closed" }
  | { type: "fatal"; message: string };

/**
 * A compiled module next to `base` (an import.meta.url): worker threads need JavaScript, so when
 * the caller runs from the TypeScript sources (tests) the twin under dist/ is used — the package
 * must have been built.
 */
export function compiledModule(file: string, base: string): URL {
  const sibling = new URL(file, base);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const href = sibling.href;
  const at = href.lastIndexOf("/src/");
  const compiled = at < 0 ? undefined : new URL(`${href.slice(0, at)}/dist/${href.slice(at + 5)}`);
  if (compiled && existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(
    `${file} not found next to ${base}; build @gyre/serving first (npx tsc -b packages/serving)`,
  );
}

/** The embedded default sink (`JsonlDaySink`) as its worker thread builds it. */
export function jsonlSinkModule(dir: string, options: JsonlSinkOptions = {}): SinkModule {
  return {
    module: compiledModule("./jsonl-sink.js", import.meta.url).href,
    export: "JsonlDaySink",
    args: [dir, options],
  };
}

/**
 * Larger batches than the in-thread log's (256 entries, 250 ms): each post wakes the worker
 * thread, and on a machine without an idle core that wake-up takes the event loop's core for a
 * moment — in profiles of a loaded `gyre serve`, postMessage fell from 6% of the event loop's
 * samples at 256 entries per post to under 1% at 2048. Nothing per entry is kept meanwhile (the
 * request id is written into the buffer too).
 */
const DEFAULT_BATCH = 2048;
const DEFAULT_INTERVAL_MS = 1000;

/**
 * The prediction log with its formatting and writing on a worker thread. `record` copies the
 * entry's tensors into a growing transferable buffer (about half a microsecond for a 20-feature
 * row) unless the log is full — then the entry is dropped and counted; once a batch has gathered
 * (after the turn's answers have gone out) or the flush interval passes, the buffer is posted to
 * the worker, which builds the JSON records and hands them to the sink. Logging never slows or
 * fails a request.
 * Same options and counts as `PredictionLog`, which keeps everything on the event loop and takes
 * any `PredictionSink` object.
 */
export class ThreadedPredictionLog implements PredictionRecorder {
  /** Entries recorded and not yet posted, already packed. */
  private readonly queue: PackBuilder;
  /** Entries posted to the worker and not yet answered for, per message in order. */
  private readonly posted: number[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** No new entries once close() has begun; the worker's exit is expected once it has closed the sink. */
  private closed = false;
  private finished = false;
  /** Set when the worker cannot write any more: later entries are counted as failed. */
  private broken = false;
  private waiters: (() => void)[] = [];
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly timer: NodeJS.Timeout;
  private readonly capacity: number;
  private readonly batchSize: number;
  private counts = { recorded: 0, written: 0, dropped: 0, failed: 0 };

  constructor(
    sink: SinkModule,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.queue = new PackBuilder(new WeakMap<InputSchema, LoggedSchema>());
    this.capacity = options.capacity ?? 10_000;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? DEFAULT_BATCH, this.capacity));
    const data: LogWorkerData = { sink };
    this.worker = new Worker(compiledModule("./log-worker.js", import.meta.url), { workerData: data });
    // The log must not keep a process alive on its own.
    this.worker.unref();
    this.worker.on("message", (message: FromLogWorker) => this.onMessage(message));
    this.worker.on("error", (error) => this.breakDown(error));
    this.exited = new Promise((resolve) =>
      this.worker.once("exit", () => {
        if (!this.finished) this.breakDown(new Error("the prediction log's worker thread exited"));
        resolve();
      }),
    );
    this.timer = setInterval(() => this.post(), options.flushIntervalMs ?? DEFAULT_INTERVAL_MS);
    this.timer.unref();
  }

  get stats(): PredictionLogStats {
    return { ...this.counts, queued: this.queue.count + this.inFlight };
  }

  record(entry: PredictionEntry): void {
    this.counts.recorded++;
    if (this.broken) {
      this.counts.failed++;
      return;
    }
    if (this.closed || this.queue.count + this.inFlight >= this.capacity) {
      this.counts.dropped++;
      return;
    }
    try {
      // Copied now, so the request's objects are not kept alive until the batch goes.
      this.queue.add(entry);
    } catch (error) {
      this.counts.failed++;
      this.options.onError?.(error);
      return;
    }
    if (this.queue.count >= this.batchSize && !this.scheduled) {
      // Next turn, not now: the answer this entry belongs to is still being written.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.post();
      });
    }
  }

  /** Resolves once everything recorded so far has been written (or counted as failed). */
  async flush(): Promise<void> {
    this.post();
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Writes what is queued, closes the sink and stops the worker; later entries are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    if (!this.broken) {
      const closed = new Promise<void>((resolve) => this.waiters.push(resolve));
      this.finished = true;
      this.worker.postMessage({ type: "close" } satisfies ToLogWorker);
      await Promise.race([closed, this.exited]);
    }
    this.finished = true;
    await this.worker.terminate();
  }

  /** Posts what is queued as one batch. */
  private post(): void {
    if (this.queue.count === 0 || this.broken) return;
    const { batch, transfer } = this.queue.finish();
    this.worker.postMessage({ type: "batch", batch } satisfies ToLogWorker, transfer);
    this.posted.push(batch.count);
    this.inFlight += batch.count;
  }

  private onMessage(message: FromLogWorker): void {
    switch (message.type) {
      case "done": {
        // A sink's close() failing reports errors without a batch.
        const count = message.written + message.failed > 0 ? (this.posted.shift() ?? 0) : 0;
        this.inFlight -= count;
        this.counts.written += message.written;
        this.counts.failed += message.failed;
        for (const error of message.errors) this.options.onError?.(new Error(error));
        this.settle();
        return;
      }
      case "closed":
        this.wake();
        return;
      case "fatal":
        this.breakDown(new Error(message.message));
        return;
      case "ready":
        return;
    }
  }

  /** The worker is gone or has no sink: what waits or is in flight is lost, and counted. */
  private breakDown(error: Error): void {
    if (this.broken) return;
    this.broken = true;
    this.counts.failed += this.inFlight + this.queue.count;
    this.inFlight = 0;
    this.posted.length = 0;
    this.queue.finish();
    this.options.onError?.(error);
    this.wake();
  }

  private settle(): void {
    if (this.inFlight === 0 && this.queue.count === 0) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
