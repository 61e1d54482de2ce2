import { GyreError } from "@gyre/core";
import type { InputBatch } from "./input-schema.js";
import type { Prediction } from "./predictor.js";

export interface BatchingOptions {
  /** Rows one run may combine; a single larger request still runs, alone. Default 128. */
  readonly maxBatchRows?: number;
  /** Rows allowed to wait; past it requests are refused (503 + Retry-After). Default 4096. */
  readonly maxQueueRows?: number;
  /**
   * Extra event-loop turns to wait for more rows when the queue is below `maxBatchRows`.
   * Default 0. Counted in `setImmediate` turns, not milliseconds: Node timers cannot fire
   * sooner than 1 ms, and a 1 ms window already costs throughput (serving.md, Part 2).
   */
  readonly extraWaitTurns?: number;
  /** Told the row count of every model run (the batch-size histogram of /metrics). */
  readonly onRun?: (rows: number) => void;
}

export interface BatcherStats {
  /** Model runs (session.run calls). */
  runs: number;
  /** Requests and rows accepted into the queue. */
  requests: number;
  rows: number;
  /** Requests refused because the queue was full. */
  rejected: number;
}

interface Pending {
  readonly batch: InputBatch;
  readonly resolve: (prediction: Prediction) => void;
  readonly reject: (error: unknown) => void;
}

/** Runs several requests' batches as one model call and returns one prediction per batch. */
export type RunBatches = (batches: readonly InputBatch[]) => Promise<Prediction[]>;

/**
 * The per-model queue: whenever the model is idle, everything queued (up to `maxBatchRows`)
 * goes into one run on the next event-loop turn, with no timer. At low load a request runs
 * alone on the next turn; under load the queue fills while a run is in flight, so batches grow
 * with the load (Triton's default dynamic batching).
 */
export class AdaptiveBatcher {
  readonly stats: BatcherStats = { runs: 0, requests: 0, rows: 0, rejected: 0 };
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  private running = false;
  private scheduled = false;
  private waitedTurns = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatchRows: number;
  private readonly maxQueueRows: number;
  private readonly extraWaitTurns: number;
  private readonly canJoin: (first: InputBatch, next: InputBatch) => boolean;
  private readonly onRun: ((rows: number) => void) | undefined;

  constructor(
    private readonly name: string,
    private readonly run: RunBatches,
    options: BatchingOptions & {
      /** Whether two batches may share a run (same row shapes, outputs that split by row). */
      canJoin?: (first: InputBatch, next: InputBatch) => boolean;
    } = {},
  ) {
    this.maxBatchRows = options.maxBatchRows ?? 128;
    this.maxQueueRows = options.maxQueueRows ?? 4096;
    this.extraWaitTurns = options.extraWaitTurns ?? 0;
    this.canJoin = options.canJoin ?? (() => true);
    this.onRun = options.onRun;
  }

  /** Rows waiting for a run. */
  get depth(): number {
    return this.queuedRows;
  }

  submit(batch: InputBatch): Promise<Prediction> {
    if (this.queuedRows > 0 && this.queuedRows + batch.rows > this.maxQueueRows) {
      this.stats.rejected++;
      return Promise.reject(
        new GyreError(
          "TEMPORARILY_UNAVAILABLE",
          `Model ${this.name} is overloaded: ${this.queuedRows} rows are queued (limit ${this.maxQueueRows}). Retry later.`,
        ),
      );
    }
    this.stats.requests++;
    this.stats.rows += batch.rows;
    return new Promise<Prediction>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.queuedRows += batch.rows;
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running (used before releasing a session). */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.running || this.queue.length === 0) return;
    if (this.waitedTurns < this.extraWaitTurns && this.queuedRows < this.maxBatchRows) {
      this.waitedTurns++;
      this.scheduled = true;
      setImmediate(this.flush);
      return;
    }
    this.waitedTurns = 0;
    const items = this.take();
    this.running = true;
    void this.execute(items).finally(() => {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
      else this.notifyIdle();
    });
  };

  /** The oldest request, and after it every queued request that fits the row cap and can join. */
  private take(): Pending[] {
    const first = this.queue[0]!;
    let rows = first.batch.rows;
    let count = 1;
    while (count < this.queue.length) {
      const next = this.queue[count]!;
      if (rows + next.batch.rows > this.maxBatchRows || !this.canJoin(first.batch, next.batch)) break;
      rows += next.batch.rows;
      count++;
    }
    this.queuedRows -= rows;
    return this.queue.splice(0, count);
  }

  private async execute(items: Pending[]): Promise<void> {
    try {
      const results = await this.runCounted(items);
      for (const [i, item] of items.entries()) item.resolve(results[i]!);
    } catch (error) {
      if (items.length === 1) {
        items[0]!.reject(error);
        return;
      }
      // One bad request must not fail its neighbours: rerun each alone so only it fails.
      for (const item of items) {
        try {
          item.resolve((await this.runCounted([item]))[0]!);
        } catch (single) {
          item.reject(single);
        }
      }
    }
  }

  private runCounted(items: Pending[]): Promise<Prediction[]> {
    this.stats.runs++;
    if (this.onRun) {
      let rows = 0;
      for (const item of items) rows += item.batch.rows;
      this.onRun(rows);
    }
    return this.run(items.map((i) => i.batch));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
