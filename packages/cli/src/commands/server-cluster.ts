import cluster, { type Worker } from "node:cluster";
import type { DeploymentPeers, PeerTarget, ResolvedSpec, ServerConfig } from "@gyre/server";
import type { MetricsSnapshot } from "@gyre/serving";
import { IpcChannel } from "./serve-ipc.js";

/**
 * `gyre server --serving-workers N`: N whole servers (API and deployments) behind one port —
 * node:cluster hands accepted connections to the workers in turn — sharing the metadata store.
 * The primary opens no store and serves nothing: it starts, replaces and stops the workers, and
 * relays between them. A deployment change made through one worker's API is served by every
 * worker before the call answers; polling catches up anything else (an alias that moved), and
 * GET /metrics on any worker answers the sum over all of them. Scheduled monitors run in worker 0
 * only.
 */

/** Set in a worker's environment: its configuration and index, as JSON. */
export const SERVER_WORKER_ENV = "GYRE_SERVER_WORKER";

interface WorkerSetup {
  readonly config: ServerConfig;
  readonly index: number;
}

type Lifecycle = { type: "listening"; url: string } | { type: "start-failed"; message: string };

type DeployArgs = { name: string; revision: number; resolved: ResolvedSpec };

const STOP_TIMEOUT_MS = 30_000;
const METRICS_TIMEOUT_MS = 2_000;

interface Member {
  readonly worker: Worker;
  readonly index: number;
  readonly channel: IpcChannel;
}

/** The primary's side. */
export class ServerCluster {
  private readonly members = new Set<Member>();
  private closing = false;

  private constructor(
    private readonly config: ServerConfig,
    private readonly warn: (line: string) => void,
  ) {}

  /** Forks the workers and resolves with the URL once every one of them listens. */
  static async start(
    count: number,
    config: ServerConfig,
    warn: (line: string) => void,
  ): Promise<{ cluster: ServerCluster; url: string }> {
    const serving = new ServerCluster(config, warn);
    try {
      const urls = await Promise.all(Array.from({ length: count }, (_, index) => serving.fork(index)));
      return { cluster: serving, url: urls[0]! };
    } catch (error) {
      await serving.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.members].map(
        ({ worker, channel }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.kill("SIGKILL"), STOP_TIMEOUT_MS);
            worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            channel.call("shutdown").catch(() => undefined);
          }),
      ),
    );
  }

  private fork(index: number): Promise<string> {
    const setup: WorkerSetup = { config: this.config, index };
    const worker = cluster.fork({ [SERVER_WORKER_ENV]: JSON.stringify(setup) });
    const others = () => [...this.members].filter((m) => m.worker !== worker && !m.worker.isDead());
    const channel = new IpcChannel((message) => worker.isConnected() && worker.send(message), {
      deployed: (args: DeployArgs) => relay(others(), "deploy", args),
      removed: (args: { name: string }) => relay(others(), "remove", args),
      metrics: async ({ own }: { own: MetricsSnapshot }) => {
        const theirs = await Promise.all(
          others().map((m) =>
            m.channel.call<MetricsSnapshot>("snapshot", undefined, METRICS_TIMEOUT_MS).catch(() => undefined),
          ),
        );
        const { mergeSnapshots } = await import("@gyre/serving");
        return mergeSnapshots([own, ...theirs.filter((s) => s !== undefined)]);
      },
    });
    const member: Member = { worker, index, channel };
    this.members.add(member);
    let listening = false;
    worker.on("message", (message: unknown) => {
      if (!channel.receive(message) && (message as Lifecycle).type === "listening") listening = true;
    });
    worker.once("exit", (code, signal) => {
      this.members.delete(member);
      channel.close("the worker exited");
      // One that never started is the caller's failure to report, not one to replace in a loop.
      if (this.closing || !listening) return;
      this.warn(
        `error: server worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`,
      );
      this.fork(index).catch((error: Error) =>
        this.warn(`error: cannot replace the worker: ${error.message}`),
      );
    });
    return new Promise((resolve, reject) => {
      const onMessage = (message: Lifecycle) => {
        if (message.type === "listening") resolve(message.url);
        if (message.type === "start-failed") reject(new Error(message.message));
        if (message.type === "listening" || message.type === "start-failed") worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("exit", (code) =>
        reject(new Error(`a server worker exited while starting (code ${code})`)),
      );
    });
  }
}

/** Calls every other worker; rejects naming each one that failed. */
async function relay(members: readonly Member[], method: string, args: unknown): Promise<void> {
  const outcomes = await Promise.allSettled(members.map((m) => m.channel.call(method, args)));
  const failures = outcomes.flatMap((outcome, i) =>
    outcome.status === "rejected"
      ? [`worker ${members[i]!.worker.process.pid}: ${(outcome.reason as Error).message}`]
      : [],
  );
  if (failures.length > 0) throw new Error(failures.join("; "));
}

/**
 * The worker's side: a whole server whose deployment changes reach its peers through the
 * primary. Resolves once it has shut down.
 */
export async function runServerWorker(setupJson: string): Promise<void> {
  const { config, index } = JSON.parse(setupJson) as WorkerSetup;
  const toPrimary = (message: unknown) => process.send?.(message);
  let local: PeerTarget | undefined;
  let stop: () => Promise<void> = async () => undefined;
  const channel = new IpcChannel(toPrimary, {
    deploy: ({ name, revision, resolved }: DeployArgs) => local?.deploy(name, revision, resolved),
    remove: ({ name }: { name: string }) => local?.remove(name),
    snapshot: () => local?.snapshot() ?? [],
    shutdown: () => {
      void stop();
    },
  });
  process.on("message", (message) => channel.receive(message));
  const peers: DeploymentPeers = {
    connect: (target) => {
      local = target;
    },
    deployed: (name, revision, resolved) => channel.call("deployed", { name, revision, resolved }),
    removed: (name) => channel.call("removed", { name }),
    metrics: (own) =>
      channel.call<MetricsSnapshot>("metrics", { own }, METRICS_TIMEOUT_MS).catch(() => undefined),
  };

  const server = await import("@gyre/server");
  let gyre: Awaited<ReturnType<typeof server.createGyre>>;
  let url: string;
  try {
    // Scheduled monitors and store maintenance once per cluster, not once per worker.
    gyre = await server.createGyre(
      { ...config, runMonitors: config.runMonitors && index === 0 },
      {
        deploymentPeers: peers,
      },
    );
    url = await gyre.listen();
  } catch (error) {
    toPrimary({ type: "start-failed", message: error instanceof Error ? error.message : String(error) });
    process.disconnect?.();
    return;
  }
  let stopping: Promise<void> | undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      stopping ??= gyre.close().then(resolve);
      return stopping;
    };
    // Ctrl+C reaches the whole process group; the primary's orderly shutdown follows anyway.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop());
    // An orphan (the primary died) must not keep the port.
    process.on("disconnect", () => void stop());
  });
  toPrimary({ type: "listening", url } satisfies Lifecycle);
  await stopped;
  channel.close("the worker is shutting down");
  process.disconnect?.();
}
