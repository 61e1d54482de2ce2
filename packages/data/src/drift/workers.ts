import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { DriftColumnInput } from "./columns.js";
import { summariseColumn } from "./profile.js";
import type { ColumnSummary, NumericSummary } from "./summary.js";

export interface SummaryRequest {
  id: number;
  /** The column's values: `length` doubles from byte `offset` of a shared buffer. */
  buffer: SharedArrayBuffer;
  offset: number;
  length: number;
}

export type SummaryReply =
  | { id: number; summary: NumericSummary }
  | { id: number; error: string }
  | { ready: true };

interface Pending {
  resolve(summary: NumericSummary): void;
  reject(error: Error): void;
}

/**
 * Worker threads that summarise numeric columns (copy, radix sort, run lengths) in parallel, one
 * column per task. The numbers travel in a SharedArrayBuffer (copied once when the caller's array
 * is not already shared); summaries come back by transfer, never copied. Categorical columns are
 * summarised in the calling thread meanwhile: counting codes is cheaper than a message.
 * Created at the edge (CLI, server, benchmark) with a thread count and passed down; `close()` ends
 * the threads.
 */
export class DriftWorkers {
  private readonly idle: Worker[] = [];
  /** Waiting columns keep the caller's array; the shared copy is made when a worker takes it. */
  private readonly queue: { id: number; values: Float64Array; pending: Pending }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private readonly alive: Set<Worker>;
  private nextId = 0;
  private lastError: Error | undefined;
  private closed = false;
  private readonly loaded = new Set<Worker>();
  private readonly starting: { resolve(): void; reject(error: Error): void }[] = [];

  private constructor(private readonly workers: Worker[]) {
    this.alive = new Set(workers);
    for (const worker of workers) {
      worker.on("message", (reply: SummaryReply) => this.settle(worker, reply));
      worker.on("error", (error) => this.fail(worker, error));
      worker.on("exit", (code) => {
        if (!this.closed) this.fail(worker, new Error(`a drift worker exited (code ${code})`));
      });
      // Referenced until loaded (so awaiting ready() keeps the process up), then only while busy.
      this.idle.push(worker);
    }
  }

  /** Starts `threads` worker threads (at least 1). */
  static start(threads: number): DriftWorkers {
    const script = workerScript();
    const count = Math.max(1, Math.floor(threads));
    return new DriftWorkers(Array.from({ length: count }, () => new Worker(script)));
  }

  /**
   * Resolves once every thread has loaded its code (a long-lived pool pays that once; a benchmark
   * waits for it before timing). Columns may be sent before: they queue.
   */
  ready(): Promise<void> {
    if (this.allLoaded()) return Promise.resolve();
    if (this.alive.size === 0)
      return Promise.reject(new Error(`drift workers failed: ${this.lastError?.message ?? "none running"}`));
    return new Promise((resolve, reject) => this.starting.push({ resolve, reject }));
  }

  get size(): number {
    return this.workers.length;
  }

  /** One column's summary: numeric columns on a worker, categorical ones right here. */
  summarise(column: DriftColumnInput): Promise<ColumnSummary> {
    if (column.kind === "categorical") return Promise.resolve().then(() => summariseColumn(column));
    if (this.closed) return Promise.reject(new Error("drift workers are closed"));
    if (this.alive.size === 0) {
      return Promise.reject(new Error(`drift workers failed: ${this.lastError?.message ?? "none running"}`));
    }
    return new Promise<NumericSummary>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, values: column.values, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { pending } of this.queue.splice(0)) pending.reject(new Error("drift workers closed"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const { id, values, pending } = this.queue.shift()!;
      this.pending.set(id, pending);
      this.busy.set(worker, id);
      worker.ref();
      worker.postMessage({ id, ...shared(values) } satisfies SummaryRequest);
    }
  }

  private settle(worker: Worker, reply: SummaryReply): void {
    if ("ready" in reply) {
      this.loaded.add(worker);
      if (!this.busy.has(worker)) worker.unref();
      if (this.allLoaded()) for (const waiter of this.starting.splice(0)) waiter.resolve();
      return;
    }
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    this.busy.delete(worker);
    worker.unref();
    this.idle.push(worker);
    if (pending) {
      if ("error" in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.summary);
    }
    this.dispatch();
  }

  private allLoaded(): boolean {
    return this.alive.size > 0 && [...this.alive].every((w) => this.loaded.has(w));
  }

  /** A worker that died fails its task; when none is left, so does everything queued. */
  private fail(worker: Worker, error: Error): void {
    const id = this.busy.get(worker);
    if (id !== undefined) {
      this.pending.get(id)?.reject(error);
      this.pending.delete(id);
      this.busy.delete(worker);
    }
    this.alive.delete(worker);
    const idle = this.idle.indexOf(worker);
    if (idle >= 0) this.idle.splice(idle, 1);
    this.lastError = error;
    if (this.allLoaded()) for (const waiter of this.starting.splice(0)) waiter.resolve();
    if (this.alive.size === 0) {
      for (const waiter of this.starting.splice(0))
        waiter.reject(new Error(`drift workers failed: ${error.message}`));
      for (const { pending } of this.queue.splice(0))
        pending.reject(new Error(`drift workers failed: ${error.message}`));
    }
  }
}

/** The values in shared memory: in place when already shared, else one copy. */
function shared(values: Float64Array): Omit<SummaryRequest, "id"> {
  if (values.buffer instanceof SharedArrayBuffer) {
    return { buffer: values.buffer, offset: values.byteOffset, length: values.length };
  }
  const buffer = new SharedArrayBuffer(values.length * 8);
  new Float64Array(buffer).set(values);
  return { buffer, offset: 0, length: values.length };
}

/**
 * The compiled worker entry: next to this module in dist/, or — when running from the TypeScript
 * sources (tests) — its compiled twin, so the package must have been built. (@gyre/ml has the same
 * lookup; @gyre/data may not import it.)
 */
function workerScript(): URL {
  const sibling = new URL("./summary-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const compiled = new URL(
    sibling.href.replace(/\/src\/drift\/summary-worker\.js$/, "/dist/drift/summary-worker.js"),
  );
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error("drift worker script not found; build @gyre/data first (npx tsc -b packages/data)");
}
