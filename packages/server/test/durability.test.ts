import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { availableBackends } from "./support/backends.js";

const SERVER_SCRIPT = fileURLToPath(new URL("./support/server-process.mjs", import.meta.url));
const API = "/api/2.0/mlflow";
const backends = await availableBackends();

async function startServerProcess(
  uri: string,
  artifacts: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SERVER_SCRIPT, uri, artifacts], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

async function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${API}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe.each(backends)("durability on $name", (backend) => {
  it("keeps every acknowledged metric after kill -9 mid-ingest", async () => {
    const store = await backend.create();
    try {
      const first = await startServerProcess(store.uri, store.artifacts);
      const experiment = (await (
        await post(first.url, "experiments/create", { name: "durable" })
      ).json()) as {
        experiment_id: string;
      };
      const created = (await (
        await post(first.url, "runs/create", { experiment_id: experiment.experiment_id })
      ).json()) as { run: { info: { run_id: string } } };
      const runId = created.run.info.run_id;

      // Four concurrent writers, so the kill lands while requests are in flight.
      const acknowledged = new Set<number>();
      let killed = false;
      const writer = async (lane: number) => {
        for (let batch = 0; !killed; batch++) {
          const steps = Array.from({ length: 50 }, (_, i) => (batch * 4 + lane) * 50 + i);
          try {
            const response = await post(first.url, "runs/log-batch", {
              run_id: runId,
              metrics: steps.map((step) => ({ key: "loss", value: step / 7, timestamp: step, step })),
            });
            if (response.status === 200) for (const step of steps) acknowledged.add(step);
          } catch {
            return; // connection cut by the kill
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      while (acknowledged.size < 5_000) await new Promise((r) => setTimeout(r, 5));
      first.child.kill("SIGKILL");
      killed = true;
      await once(first.child, "exit");
      await Promise.all(writers);

      const second = await startServerProcess(store.uri, store.artifacts);
      try {
        const history = await fetch(
          `${second.url}${API}/metrics/get-history?run_id=${runId}&metric_key=loss`,
        );
        const body = (await history.json()) as { metrics: { step: number; value: number }[] };
        const stored = new Map(body.metrics.map((m) => [m.step, m.value]));
        const lost = [...acknowledged].filter((step) => stored.get(step) !== step / 7);
        expect(acknowledged.size).toBeGreaterThanOrEqual(5_000);
        expect(lost).toEqual([]);
      } finally {
        second.child.kill("SIGKILL");
        await once(second.child, "exit");
      }
    } finally {
      await store.dispose();
    }
  });

  it("answers every concurrent write when two server processes share the store", async () => {
    // `gyre server --serving-workers N`, or a CLI command opening the store in-process while a
    // server runs: one store, several processes. A transaction that reads and then writes must
    // wait for the other process's writer instead of failing with SQLITE_BUSY (a 500).
    const store = await backend.create();
    const servers = [
      await startServerProcess(store.uri, store.artifacts),
      await startServerProcess(store.uri, store.artifacts),
    ];
    try {
      const [first, second] = servers.map((s) => s.url) as [string, string];
      expect((await post(first, "registered-models/create", { name: "shared" })).status).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const response = await post(i % 2 === 0 ? first : second, "model-versions/create", {
            name: "shared",
            source: `s3://bucket/model-${i}`,
          });
          return {
            status: response.status,
            body: (await response.json()) as { model_version?: { version: string } },
          };
        }),
      );
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      const numbers = answers.map((a) => Number(a.body.model_version?.version)).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));

      const aliases = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const response = await post(i % 2 === 0 ? first : second, "registered-models/alias", {
            name: "shared",
            alias: "champion",
            version: String((i % 5) + 1),
          });
          return response.status;
        }),
      );
      expect(aliases).toEqual(Array.from({ length: 60 }, () => 200));
    } finally {
      for (const { child } of servers) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      await store.dispose();
    }
  });
});
