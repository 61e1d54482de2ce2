import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPipelineModule, type PipelineEvent, runPipeline } from "../src/index.js";
import type { PipelineTestServer } from "./support/server.js";
import { type QueueHarness, startQueueHarness, until } from "./support/workers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let h: QueueHarness;
let t: PipelineTestServer;
beforeAll(async () => {
  h = await startQueueHarness(3);
  t = h.server;
}, 120_000); // starting worker processes takes a while on a loaded machine
afterAll(() => h.close());

describe("the PostgreSQL (pg-boss) executor with gyre worker processes", () => {
  it("cancels a step running on a worker: the step gets its abort signal", async (context) => {
    const { executor } = h;
    if (!executor) return context.skip();
    const { def, module } = await loadPipelineModule(fixture("hang.mjs"));
    const events: PipelineEvent[] = [];
    const running = runPipeline(def, {
      trackingUri: t.uri,
      executor,
      module,
      cancelPollMs: 100,
      onEvent: (e) => events.push(e),
    });
    const id = await until("the run to start", () => {
      const started = events.find((e) => e.type === "pipeline");
      return started?.type === "pipeline" ? started.id : undefined;
    });
    await until("the step to log", async () =>
      (await t.store.getLogs(id)).some((l) => l.text === "waiting") ? true : undefined,
    );
    await t.store.cancelRun(id);
    const result = await running;
    expect(result.status).toBe("CANCELLED");
    expect(result.steps.hang?.status).toBe("CANCELLED");
    const lines = await until("the worker to report the abort", async () => {
      const texts = (await t.store.getLogs(id)).map((l) => l.text);
      return texts.some((l) => l.startsWith("aborted")) ? texts : undefined;
    });
    expect(lines.filter((l) => l.startsWith("aborted"))).toEqual(["aborted: step 'hang' was cancelled"]);
    expect((await t.store.getRun(id)).status).toBe("CANCELLED");
    expect((await t.gyre.getRun(result.runId)).info.status).toBe("KILLED");
  });

  it("survives a worker killed mid-step: the step is retried by another worker and the outputs are right", async (context) => {
    const { executor, workers, work } = h;
    if (!executor) return context.skip();
    const { def, module } = await loadPipelineModule(fixture("distributed.mjs"));
    const running = runPipeline(def, { trackingUri: t.uri, executor, module, params: { dir: work } });
    const pidFile = join(work, "victim.pid");
    const victimPid = Number(
      await until("the victim step", () =>
        existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() || undefined : undefined,
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
    expect(record.steps.find((s) => s.name === "part-b")).toMatchObject({ status: "SUCCEEDED", attempt: 2 });
    const log = (await t.store.getLogs(result.id, { step: "part-b" })).map((l) => l.text);
    // Lines the killed worker had not sent yet are gone with it; the retry's are all there.
    expect(log).toContain(`part b attempt 2 in pid ${result.steps["part-b"]?.outputs?.pid}`);
    expect((await t.gyre.getRun(result.steps["part-b"]?.runId ?? "")).info.status).toBe("FINISHED");
  }, 30_000);
});
