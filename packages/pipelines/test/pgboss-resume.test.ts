import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScratchStore } from "@gyre/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPipelineModule, PgBossExecutor, runPipeline } from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";
import {
  CLI,
  scratchQueueDatabase,
  startWorkers,
  stopWorkers,
  type WorkerProcess,
} from "./support/workers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let queueDb: ScratchStore | undefined;
let t: PipelineTestServer;
let work: string;
let workers: WorkerProcess[] = [];
let executor: PgBossExecutor | undefined;
beforeAll(async () => {
  queueDb = await scratchQueueDatabase();
  t = await startPipelineServer();
  work = mkdtempSync(join(tmpdir(), "gyre-pgboss-"));
  if (!queueDb) return;
  workers = await startWorkers(queueDb.uri, 1);
  executor = await PgBossExecutor.start({
    connectionString: queueDb.uri,
    maintenanceIntervalSeconds: 1,
    expireGraceSeconds: 1,
    pollMs: 100,
  });
});
afterAll(async () => {
  await executor?.close();
  await stopWorkers(workers);
  await t?.close();
  await queueDb?.dispose();
  rmSync(work, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("a pipeline run on the PostgreSQL (pg-boss) executor", () => {
  it("resumes a run whose coordinator was killed: finished steps stand, the queued job is re-attached", async (context) => {
    if (!executor || !queueDb) return context.skip();
    const module = fixture("chain.mjs");
    const coordinator = spawn(
      process.execPath,
      [
        CLI,
        "pipelines",
        "run",
        module,
        "--executor",
        "postgres",
        "--queue-uri",
        queueDb.uri,
        "--tracking-uri",
        t.uri,
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise((resolve) => coordinator.on("exit", resolve));
    const record = await until("step 'slow' to be queued", async () => {
      const [run] = await t.store.listRuns({ name: "chain" });
      return run?.steps.find((s) => s.name === "slow")?.job_id !== undefined ? run : undefined;
    });
    coordinator.kill("SIGKILL");
    await exited;
    const before = await t.store.getRun(record.id);
    expect(before.status).toBe("RUNNING");

    const { def } = await loadPipelineModule(module);
    const result = await runPipeline(def, { trackingUri: t.uri, executor, module, resume: record.id });
    expect(result.id).toBe(record.id);
    expect(result.status).toBe("SUCCEEDED");
    expect(result.steps.last?.outputs).toEqual({ n: (20 + 1) * 2 + 1 });
    const after = await t.store.getRun(record.id);
    const [first, slow] = after.steps;
    // 'first' finished under the old coordinator and was not run again; 'slow' kept its job and run.
    expect(first?.run_id).toBe(before.steps[0]?.run_id);
    expect(slow?.job_id).toBe(before.steps[1]?.job_id);
    expect(slow?.run_id).toBe(before.steps[1]?.run_id);
    const lines = (await t.store.getLogs(record.id)).map((l) => l.text);
    expect(lines.filter((l) => l.startsWith("first in") || l.startsWith("slow attempt")).length).toBe(2);
    expect(after.run_id).toBe(before.run_id);
    expect((await t.gyre.getRun(after.run_id ?? "")).info.status).toBe("FINISHED");
  });
});
