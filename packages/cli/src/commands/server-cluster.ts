import type { DeploymentPeers, PeerTarget, ResolvedSpec, ServerConfig } from "@gyre/server";
import type { MetricsSnapshot } from "@gyre/serving";
import { type Member, runWorker, WorkerGroup } from "./serve-ipc.js";

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

type DeployArgs = { name: string; revision: number; resolved: ResolvedSpec };

const METRICS_TIMEOUT_MS = 2_000;

/** The primary's side: starts the workers; resolves with the URL once every one listens. */
export async function startServerCluster(
  count: number,
  config: ServerConfig,
  warn: (line: string) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const group: WorkerGroup = new WorkerGroup({
    what: "server worker",
    warn,
    envOf: (index) => ({ [SERVER_WORKER_ENV]: JSON.stringify({ config, index } satisfies WorkerSetup) }),
    handlersOf: (member) => ({
      deployed: (args: DeployArgs) => relay(group.members(member), "deploy", args),
      removed: (args: { name: string }) => relay(group.members(member), "remove", args),
      metrics: async ({ own }: { own: MetricsSnapshot }) => {
        const theirs = await Promise.all(
          group
            .members(member)
            .map((m) =>
              m.channel
                .call<MetricsSnapshot>("snapshot", undefined, METRICS_TIMEOUT_MS)
                .catch(() => undefined),
            ),
        );
        const { mergeSnapshots } = await import("@gyre/serving");
        return mergeSnapshots([own, ...theirs.filter((s) => s !== undefined)]);
      },
    }),
  });
  const url = await group.start(count);
  return { url, close: () => group.close() };
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
export function runServerWorker(setupJson: string): Promise<void> {
  const { config, index } = JSON.parse(setupJson) as WorkerSetup;
  let local: PeerTarget | undefined;
  return runWorker(
    {
      deploy: ({ name, revision, resolved }: DeployArgs) => local?.deploy(name, revision, resolved),
      remove: ({ name }: { name: string }) => local?.remove(name),
      snapshot: () => local?.snapshot() ?? [],
    },
    async (channel) => {
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
      // Scheduled monitors and store maintenance once per cluster, not once per worker.
      const gyre = await server.createGyre(
        { ...config, runMonitors: config.runMonitors && index === 0 },
        { deploymentPeers: peers },
      );
      try {
        return { url: await gyre.listen(), stop: () => gyre.close() };
      } catch (error) {
        await gyre.close();
        throw error;
      }
    },
  );
}
