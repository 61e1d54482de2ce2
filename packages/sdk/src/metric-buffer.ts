import { GyreError } from "@gyre/core/errors";

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MetricBufferOptions {
  /** Points per request, and the buffer size that triggers a flush (MLflow's log-batch limit is 1000). */
  batchSize: number;
  /** How long a point may wait in the buffer before a background flush sends it. */
  intervalMs: number;
}

/**
 * Metric points collected in memory and sent in batches, in the order they were logged.
 * Flushes never overlap; points logged while one runs go out with it or with the next. A flush
 * that fails because the server was unreachable or overloaded keeps its points for the next
 * flush (re-sending is safe: an identical point is a no-op on the server); points the server
 * rejected as invalid are dropped, since sending them again cannot succeed, and the error says so.
 */
export class MetricBuffer {
  private pending: MetricPoint[] = [];
  private chain: Promise<void> = Promise.resolve();
  private backgroundError: unknown;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sendBatch: (points: MetricPoint[]) => Promise<void>,
    private readonly options: MetricBufferOptions,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  /** Buffers points; throws the error of an earlier background flush, if one failed. */
  add(points: readonly MetricPoint[]): void {
    this.throwBackgroundError();
    for (const point of points) this.pending.push(point);
    if (this.pending.length >= this.options.batchSize) this.flushInBackground();
    else this.armTimer();
  }

  /** Sends every buffered point; rejects with this flush's error or an earlier background one. */
  async flush(): Promise<void> {
    this.disarmTimer();
    await this.drain();
    this.throwBackgroundError();
  }

  private flushInBackground(): void {
    this.disarmTimer();
    this.drain().catch((error: unknown) => {
      this.backgroundError ??= error;
    });
  }

  /** Queues a send of everything pending behind the flush in progress. */
  private drain(): Promise<void> {
    const done = this.chain.then(() => this.sendPending());
    this.chain = done.catch(() => undefined);
    return done;
  }

  private async sendPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.batchSize);
      try {
        await this.sendBatch(batch);
      } catch (error) {
        if (isTransient(error)) {
          this.pending.unshift(...batch);
          throw error;
        }
        throw droppedBatchError(error, batch.length);
      }
    }
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushInBackground();
    }, this.options.intervalMs);
    // A pending flush alone must not keep a finished script alive; 'beforeExit' handles the rest.
    this.timer.unref();
  }

  private disarmTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private throwBackgroundError(): void {
    const error = this.backgroundError;
    if (error === undefined) return;
    this.backgroundError = undefined;
    throw error;
  }
}

function droppedBatchError(error: unknown, count: number): GyreError {
  const reason = error instanceof GyreError ? error : new GyreError("INTERNAL_ERROR", String(error));
  return new GyreError(reason.code, `${reason.message} (${count} buffered metric points were not logged)`, {
    cause: error,
  });
}

/** Network failures, overload and server faults may pass; a 4xx means the points themselves are wrong. */
function isTransient(error: unknown): boolean {
  return !(error instanceof GyreError) || error.status >= 500 || error.status === 429;
}
