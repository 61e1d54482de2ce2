import type { MetricsSnapshot } from "@gyre/serving";
import { type EngineConfig, type ModelVersionDir, ServeEngine, type ServingTarget } from "./serve-engine.js";
import { type Member, runWorker, WorkerGroup } from "./serve-ipc.js";

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

const METRICS_TIMEOUT_MS = 2_000;

/** The primary's side: the workers as one serving target. */
export class ClusterServing implements ServingTarget {
  private current: ModelVersionDir;
  private readonly group: WorkerGroup;

  private constructor(config: EngineConfig, first: ModelVersionDir, warn: (line: string) => void) {
    this.current = first;
    this.group = new WorkerGroup({
      what: "serving worker",
      warn,
      // A replaced worker starts with the version the others serve.
      envOf: () => ({
        [WORKER_ENV]: JSON.stringify({ config, first: this.current } satisfies WorkerSetup),
      }),
      handlersOf: () => ({
        // One worker was scraped: every worker's snapshot, summed.
        metrics: async () => {
          const snapshots = await Promise.all(
            this.group
              .members()
              .map((m) =>
                m.channel
                  .call<MetricsSnapshot>("snapshot", undefined, METRICS_TIMEOUT_MS)
                  .catch(() => undefined),
              ),
          );
          const { mergeSnapshots } = await import("@gyre/serving");
          return mergeSnapshots(snapshots.filter((s) => s !== undefined));
        },
      }),
    });
  }

  /** Forks the workers and resolves with the URL once every one of them listens. */
  static async start(
    count: number,
    config: EngineConfig,
    first: ModelVersionDir,
    warn: (line: string) => void,
  ): Promise<{ serving: ClusterServing; url: string }> {
    const serving = new ClusterServing(config, first, warn);
    return { serving, url: await serving.group.start(count) };
  }

  /** Every worker switches; if any cannot, the others go back, and all keep the old version. */
  async deploy(model: ModelVersionDir): Promise<void> {
    const workers = this.group.members();
    const outcomes = await Promise.allSettled(workers.map((w) => deployOn(w, model)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) {
      const switched = workers.filter((_, i) => outcomes[i]!.status === "fulfilled");
      await Promise.allSettled(switched.map((w) => deployOn(w, this.current)));
      throw failed.reason;
    }
    this.current = model;
  }

  close(): Promise<void> {
    return this.group.close();
  }
}

function deployOn(member: Member, model: ModelVersionDir): Promise<void> {
  return member.channel.call("deploy", model);
}

/**
 * The worker's side: serve what the primary says until it says stop (or the primary goes away).
 * Resolves once the engine has drained and closed.
 */
export function runServeWorker(setupJson: string): Promise<void> {
  const setup = JSON.parse(setupJson) as WorkerSetup;
  let engine: ServeEngine | undefined;
  return runWorker(
    {
      deploy: (model: ModelVersionDir) => engine?.deploy(model),
      snapshot: () => engine?.metrics.snapshot() ?? [],
    },
    async (channel) => {
      engine = await ServeEngine.start(setup.config, setup.first, (own) => ({
        // Scraped here, answered with the sum over all workers (or this worker's own, if the primary is slow).
        render: async () => {
          const { renderSnapshot } = await import("@gyre/serving");
          const merged = await channel
            .call<MetricsSnapshot>("metrics", undefined, METRICS_TIMEOUT_MS)
            .catch(() => undefined);
          return renderSnapshot(merged ?? own.snapshot());
        },
      }));
      const started = engine;
      return { url: started.url, stop: () => started.close() };
    },
  );
}
