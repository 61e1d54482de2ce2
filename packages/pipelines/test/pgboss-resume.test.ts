import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPipelineModule, runPipeline } from "../src/index.js";
import type { PipelineTestServer } from "./support/server.js";
import { CLI, type QueueHarness, startQueueHarness, until } from "./support/workers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let h: QueueHarness;
let t: PipelineTestServer;
beforeAll(async () => {
  h = await startQueueHarness(1);
  t = h.server;
}, 120_000); // starting worker processes takes a while on a loaded machine
afterAll(() => h.close());

describe("a pipeline run on the PostgreSQL (pg-boss) executor", () => {
  it("resumes a run whose coordinator was killed: finished steps stand, the queued job is re-attached", async (context) => {
    const { executor, queueUri } = h;
    if (!executor || !queueUri) return context.skip();
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
        queueUri,
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
