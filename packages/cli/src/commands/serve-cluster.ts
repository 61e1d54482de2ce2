import cluster, { type Worker } from "node:cluster";
import type { MetricsSnapshot } from "@gyre/serving";
import { type EngineConfig, type ModelVersionDir, ServeEngine, type ServingTarget } from "./serve-engine.js";

/**
 * `gyre serve --workers N`: one process per core behind one port (node:cluster hands accepted
 * connections to the workers in turn). The primary is the control plane — it resolves,
 * downloads and follows the alias, then tells every worker which version to serve — and each
 * worker is a full serving process with its own onnxruntime session on one thread.
 */

/** Set in a worker's environment: what to serve, as JSON. */
export const WORKER_ENV = "GYRE_SERVE_WORKER";

interface WorkerSetup {
  readonly config: EngineConfig;
  readonly first: ModelVersionDir;
}

type ToWorker =
  | { type: "deploy"; id: number; model: ModelVersionDir }
  | { type: "snapshot"; id: number }
  | { type: "merged"; id: number; snapshot: MetricsSnapshot }
  | { type: "shutdown" };

type FromWorker =
  | { type: "listening"; url: string }
  | { type: "start-failed"; message: string }
  | { type: "deployed"; id: number }
  | { type: "deploy-failed"; id: number; message: string }
  | { type: "metrics"; id: number }
  | { type: "snapshot"; id: number; snapshot: MetricsSnapshot };

const STOP_TIMEOUT_MS = 30_000;
const METRICS_TIMEOUT_MS = 2_000;

/** The primary's side: the workers as one serving target. */
export class ClusterServing implements ServingTarget {
  private readonly workers = new Set<Worker>();
  private current: ModelVersionDir;
  private closing = false;
  private nextId = 0;

  private constructor(
    private readonly config: EngineConfig,
    first: ModelVersionDir,
    private readonly warn: (line: string) => void,
  ) {
    this.current = first;
  }

  /** Forks the workers and resolves with the URL once every one of them listens. */
  static async start(
    count: number,
    config: EngineConfig,
    first: ModelVersionDir,
    warn: (line: string) => void,
  ): Promise<{ serving: ClusterServing; url: string }> {
    const serving = new ClusterServing(config, first, warn);
    try {
      const urls = await Promise.all(Array.from({ length: count }, () => serving.fork()));
      return { serving, url: urls[0]! };
    } catch (error) {
      await serving.close();
      throw error;
    }
  }

  /** Every worker switches; if any cannot, the others go back, and all keep the old version. */
  async deploy(model: ModelVersionDir): Promise<void> {
    const workers = [...this.workers];
    const outcomes = await Promise.allSettled(workers.map((w) => this.deployOn(w, model)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) {
      const switched = workers.filter((_, i) => outcomes[i]!.status === "fulfilled");
      await Promise.allSettled(switched.map((w) => this.deployOn(w, this.current)));
      throw failed.reason;
    }
    this.current = model;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.kill("SIGKILL"), STOP_TIMEOUT_MS);
            worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            send(worker, { type: "shutdown" });
          }),
      ),
    );
  }

  private fork(): Promise<string> {
    const setup: WorkerSetup = { config: this.config, first: this.current };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(setup) });
    this.workers.add(worker);
    let listening = false;
    worker.on("message", (message: FromWorker) => {
      if (message.type === "listening") listening = true;
      if (message.type === "metrics") void this.answerMetrics(worker, message.id);
    });
    worker.once("exit", (code, signal) => {
      this.workers.delete(worker);
      // One that never started is the caller's failure to report, not one to replace in a loop.
      if (this.closing || !listening) return;
      // A worker that dies while serving is replaced, with the version the others serve.
      this.warn(
        `error: serving worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`,
      );
      this.fork().catch((error: Error) => this.warn(`error: cannot replace the worker: ${error.message}`));
    });
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === "listening") resolve(message.url);
        if (message.type === "start-failed") reject(new Error(message.message));
        if (message.type === "listening" || message.type === "start-failed") worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("exit", (code) =>
        reject(new Error(`a serving worker exited while starting (code ${code})`)),
      );
    });
  }

  private deployOn(worker: Worker, model: ModelVersionDir): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if ((message.type !== "deployed" && message.type !== "deploy-failed") || message.id !== id) return;
        worker.off("message", onMessage);
        if (message.type === "deployed") resolve();
        else reject(new Error(message.message));
      };
      worker.on("message", onMessage);
      worker.once("exit", () => reject(new Error("the worker exited")));
      send(worker, { type: "deploy", id, model });
    });
  }

  /** One worker was scraped: collect every worker's snapshot, sum them, send the sum back. */
  private async answerMetrics(asking: Worker, id: number): Promise<void> {
    const snapshots = await Promise.all([...this.workers].map((w) => this.snapshotOf(w)));
    const { mergeSnapshots } = await import("@gyre/serving");
    send(asking, { type: "merged", id, snapshot: mergeSnapshots(snapshots.filter((s) => s !== undefined)) });
  }

  private snapshotOf(worker: Worker): Promise<MetricsSnapshot | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), METRICS_TIMEOUT_MS);
      const onMessage = (message: FromWorker) => {
        if (message.type === "snapshot" && message.id === id) done(message.snapshot);
      };
      const done = (snapshot: MetricsSnapshot | undefined) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        resolve(snapshot);
      };
      worker.on("message", onMessage);
      send(worker, { type: "snapshot", id });
    });
  }
}

function send(worker: Worker, message: ToWorker): void {
  if (worker.isConnected()) worker.send(message);
}

/**
 * The worker's side: serve what the primary says until it says stop (or the primary goes away).
 * Resolves once the engine has drained and closed.
 */
export async function runServeWorker(setupJson: string): Promise<void> {
  const setup = JSON.parse(setupJson) as WorkerSetup;
  const toPrimary = (message: FromWorker) => process.send?.(message);
  const pendingMetrics = new Map<number, (snapshot: MetricsSnapshot | undefined) => void>();
  let nextId = 0;
  let engine: ServeEngine;
  try {
    engine = await ServeEngine.start(setup.config, setup.first, (own) => ({
      // Scraped here, answered with the sum over all workers (or this worker's own, if the primary is slow).
      render: async () => {
        const { renderSnapshot } = await import("@gyre/serving");
        const id = nextId++;
        const merged = await new Promise<MetricsSnapshot | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), METRICS_TIMEOUT_MS);
          pendingMetrics.set(id, (snapshot) => {
            clearTimeout(timer);
            resolve(snapshot);
          });
          toPrimary({ type: "metrics", id });
        });
        pendingMetrics.delete(id);
        return renderSnapshot(merged ?? own.snapshot());
      },
    }));
  } catch (error) {
    toPrimary({ type: "start-failed", message: error instanceof Error ? error.message : String(error) });
    process.disconnect?.();
    return;
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= engine.close();
    return stopping;
  };
  const stopped = new Promise<void>((resolve) => {
    process.on("message", (message: ToWorker) => {
      switch (message.type) {
        case "deploy":
          engine.deploy(message.model).then(
            () => toPrimary({ type: "deployed", id: message.id }),
            (error: Error) => toPrimary({ type: "deploy-failed", id: message.id, message: error.message }),
          );
          return;
        case "snapshot":
          toPrimary({ type: "snapshot", id: message.id, snapshot: engine.metrics.snapshot() });
          return;
        case "merged":
          pendingMetrics.get(message.id)?.(message.snapshot);
          return;
        case "shutdown":
          void stop().then(resolve);
          return;
      }
    });
    // Ctrl+C reaches the whole process group; the primary's orderly shutdown follows anyway.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop().then(resolve));
    // An orphan (the primary died) must not keep the port.
    process.on("disconnect", () => void stop().then(resolve));
  });
  toPrimary({ type: "listening", url: engine.url });
  await stopped;
  process.disconnect?.();
}
