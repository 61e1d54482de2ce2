import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScratchStore } from "@gyre/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPipelineModule, PgBossExecutor, runPipeline } from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";
import { scratchQueueDatabase, startWorkers, stopWorkers, type WorkerProcess } from "./support/workers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/distributed.mjs", import.meta.url));

let queueDb: ScratchStore | undefined;
let t: PipelineTestServer;
let work: string;
beforeAll(async () => {
  queueDb = await scratchQueueDatabase();
  t = await startPipelineServer();
  work = mkdtempSync(join(tmpdir(), "gyre-pgboss-"));
});
afterAll(async () => {
  await t?.close();
  await queueDb?.dispose();
  rmSync(work, { recursive: true, force: true });
});

async function waitForFile(path: string, exited: Promise<unknown>[]): Promise<string> {
  let gone = false;
  void Promise.race(exited).then(() => {
    gone = true;
  });
  while (!existsSync(path)) {
    if (gone) throw new Error("a worker exited before the victim step started");
    await new Promise((r) => setTimeout(r, 25));
  }
  return readFileSync(path, "utf8");
}

describe("the PostgreSQL (pg-boss) executor with gyre worker processes", () => {
  it("survives a worker killed mid-step: the step is retried by another worker and the outputs are right", async (context) => {
    if (!queueDb) return context.skip();
    const workers: WorkerProcess[] = await startWorkers(queueDb.uri, 3);
    const executor = await PgBossExecutor.start({
      connectionString: queueDb.uri,
      maintenanceIntervalSeconds: 1,
      expireGraceSeconds: 1,
      pollMs: 100,
    });
    try {
      const { def, module } = await loadPipelineModule(FIXTURE);
      const running = runPipeline(def, { trackingUri: t.uri, executor, module, params: { dir: work } });
      const victimPid = Number(
        await waitForFile(
          join(work, "victim.pid"),
          workers.map((w) => w.exited),
        ),
      );
      const victim = workers.find((w) => w.child.pid === victimPid);
      expect(victim).toBeDefined();
      victim?.child.kill("SIGKILL");
      const result = await running;

      expect(result.status).toBe("SUCCEEDED");
      expect(result.steps.sum?.outputs).toEqual({ total: 97 + 98 + 99 });
      const parts = ["part-a", "part-b", "part-c"].map((name) => result.steps[name]);
      expect(parts.map((p) => p?.outputs?.value)).toEqual([97, 98, 99]);
      // The retried step finished elsewhere, and the parallel parts ran on different workers.
      expect(result.steps["part-b"]?.outputs?.pid).not.toBe(victimPid);
      expect(result.steps["part-b"]?.attempts).toBe(2);
      expect(result.steps["part-a"]?.outputs?.pid).not.toBe(result.steps["part-c"]?.outputs?.pid);
      const workerPids = new Set(workers.map((w) => w.child.pid));
      for (const part of parts) expect(workerPids.has(part?.outputs?.pid as number)).toBe(true);

      const record = await t.store.getRun(result.id);
      expect(record.executor).toBe("postgres");
      expect(record.steps.find((s) => s.name === "part-b")).toMatchObject({
        status: "SUCCEEDED",
        attempt: 2,
      });
      const log = (await t.store.getLogs(result.id, { step: "part-b" })).map((l) => l.text);
      // Lines the killed worker had not sent yet are gone with it; the retry's are all there.
      expect(log).toContain(`part b attempt 2 in pid ${result.steps["part-b"]?.outputs?.pid}`);
      const stepRun = await t.gyre.getRun(result.steps["part-b"]?.runId ?? "");
      expect(stepRun.info.status).toBe("FINISHED");
    } finally {
      await executor.close();
      await stopWorkers(workers);
    }
  }, 45_000);
});
