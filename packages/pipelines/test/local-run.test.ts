import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalExecutor, type PipelineEvent, pipeline, runPipeline } from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";

let t: PipelineTestServer;
let work: string;
beforeAll(async () => {
  t = await startPipelineServer();
  work = mkdtempSync(join(tmpdir(), "gyre-pipelines-"));
});
afterAll(async () => {
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

async function artifactText(runId: string, path: string): Promise<string> {
  const file = join(work, `${runId}-${path.replaceAll("/", "_")}`);
  await t.gyre.downloadArtifact(runId, path, file);
  return readFileSync(file, "utf8");
}

/** Counts calls per step, so tests can tell a re-run from a cache hit. */
function counter() {
  const calls: Record<string, number> = {};
  return {
    calls,
    hit(step: string) {
      calls[step] = (calls[step] ?? 0) + 1;
    },
  };
}

function arithmetic(count: ReturnType<typeof counter>) {
  return pipeline("arith", (p) => {
    const base = p.param("base", "number", 2);
    const seed = p.step("seed", { inputs: { base }, outputs: { value: "number" } }, ({ inputs, log }) => {
      count.hit("seed");
      log("seeding with", inputs.base);
      return { value: inputs.base * 10 };
    });
    const square = p.step(
      "square",
      { inputs: { v: seed.outputs.value }, outputs: { value: "number" } },
      async ({ inputs, run }) => {
        count.hit("square");
        run.logMetric("squared", inputs.v * inputs.v);
        return { value: inputs.v * inputs.v };
      },
    );
    p.step(
      "label",
      { inputs: { v: square.outputs.value, unit: "m2" }, outputs: { text: "string" } },
      ({ inputs }) => {
        count.hit("label");
        return { text: `${inputs.v} ${inputs.unit}` };
      },
    );
  });
}

describe("running a pipeline locally", () => {
  it("passes outputs along the DAG and tracks a parent run with one child run per step", async () => {
    const count = counter();
    const events: PipelineEvent[] = [];
    const result = await runPipeline(arithmetic(count), {
      trackingUri: t.uri,
      params: { base: "3" },
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.steps.label?.outputs).toEqual({ text: "900 m2" });
    expect(count.calls).toEqual({ seed: 1, square: 1, label: 1 });

    const record = await t.store.getRun(result.id);
    expect(record.status).toBe("SUCCEEDED");
    expect(record.params).toEqual({ base: "3" });
    expect(record.run_id).toBe(result.runId);
    expect(record.steps.map((s) => [s.name, s.status, s.depends_on, s.outputs])).toEqual([
      ["seed", "SUCCEEDED", [], { value: 30 }],
      ["square", "SUCCEEDED", ["seed"], { value: 900 }],
      ["label", "SUCCEEDED", ["square"], { text: "900 m2" }],
    ]);

    const parent = await t.gyre.getRun(result.runId);
    expect(parent.info.status).toBe("FINISHED");
    const parentTags = Object.fromEntries((parent.data.tags ?? []).map((x) => [x.key, x.value]));
    expect(parentTags["gyre.pipeline"]).toBe("arith");
    expect(parentTags["gyre.pipeline.run_id"]).toBe(result.id);

    const square = await t.gyre.getRun(result.steps.square?.runId ?? "");
    const tags = Object.fromEntries((square.data.tags ?? []).map((x) => [x.key, x.value]));
    expect(tags["mlflow.parentRunId"]).toBe(result.runId);
    expect(tags["gyre.output.value"]).toBe("900");
    expect(square.info.status).toBe("FINISHED");
    expect(square.data.params).toContainEqual({ key: "input.v", value: "30" });
    expect(square.data.metrics).toContainEqual(expect.objectContaining({ key: "squared", value: 900 }));

    expect(await artifactText(result.steps.seed?.runId ?? "", "logs/seed.log")).toBe("seeding with 3\n");
    expect(events.filter((e) => e.type === "log")).toEqual([
      expect.objectContaining({ step: "seed", line: "seeding with 3" }),
    ]);
    expect(
      events.filter((e) => e.type === "step").map((e) => e.type === "step" && `${e.step}:${e.status}`),
    ).toEqual([
      "seed:RUNNING",
      "seed:SUCCEEDED",
      "square:RUNNING",
      "square:SUCCEEDED",
      "label:RUNNING",
      "label:SUCCEEDED",
    ]);
  });

  it("reuses cached outputs when nothing changed, re-runs with noCache, and only downstream of a change", async () => {
    const count = counter();
    const def = arithmetic(count);
    const first = await runPipeline(def, { trackingUri: t.uri, params: { base: 5 } });
    expect(Object.values(first.steps).map((s) => s.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);

    const second = await runPipeline(def, { trackingUri: t.uri, params: { base: 5 } });
    expect(Object.values(second.steps).map((s) => s.status)).toEqual(["CACHED", "CACHED", "CACHED"]);
    expect(second.steps.label?.outputs).toEqual({ text: "2500 m2" });
    expect(count.calls).toEqual({ seed: 1, square: 1, label: 1 });
    const cachedRun = await t.gyre.getRun(second.steps.square?.runId ?? "");
    const tags = Object.fromEntries((cachedRun.data.tags ?? []).map((x) => [x.key, x.value]));
    expect(tags["gyre.step.cached"]).toBe("true");
    expect(tags["gyre.step.cached_from"]).toBe(first.steps.square?.runId);
    const record = await t.store.getRun(second.id);
    expect(record.steps.map((s) => s.status)).toEqual(["CACHED", "CACHED", "CACHED"]);
    expect(record.steps[1]?.cached_from).toBe(first.steps.square?.runId);

    const forced = await runPipeline(def, { trackingUri: t.uri, params: { base: 5 }, noCache: true });
    expect(Object.values(forced.steps).map((s) => s.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    expect(count.calls).toEqual({ seed: 2, square: 2, label: 2 });

    // Another base changes seed's output, and therefore every step's inputs.
    const changed = await runPipeline(def, { trackingUri: t.uri, params: { base: 6 } });
    expect(Object.values(changed.steps).map((s) => s.status)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    // A code change (another definition with a different function body) misses the cache for that step only.
    const edited = pipeline("arith", (p) => {
      const base = p.param("base", "number", 2);
      const seed = p.step("seed", { inputs: { base }, outputs: { value: "number" } }, ({ inputs, log }) => {
        count.hit("seed");
        log("seeding with", inputs.base);
        return { value: inputs.base * 10 };
      });
      p.step(
        "square",
        { inputs: { v: seed.outputs.value }, outputs: { value: "number" }, version: "2" },
        ({ inputs }) => ({
          value: inputs.v * inputs.v,
        }),
      );
    });
    const again = await runPipeline(edited, { trackingUri: t.uri, params: { base: 6 } });
    expect(Object.values(again.steps).map((s) => s.status)).toEqual(["CACHED", "SUCCEEDED"]);
  });

  it("retries with exponential backoff, then fails the step, skips its dependents and finishes the rest", async () => {
    const delays: number[] = [];
    let flakyCalls = 0;
    const def = pipeline("retrying", (p) => {
      const flaky = p.step(
        "flaky",
        { outputs: { n: "number" }, retries: 3, backoffMs: 100, cache: false },
        ({ attempt }) => {
          flakyCalls++;
          if (attempt < 3) throw new Error(`boom ${attempt}`);
          return { n: attempt };
        },
      );
      const broken = p.step(
        "broken",
        {
          inputs: { n: flaky.outputs.n },
          outputs: { x: "number" },
          retries: 2,
          backoffMs: 1000,
          maxBackoffMs: 1500,
          cache: false,
        },
        ({ log }) => {
          log("about to fail");
          throw new Error("disk full");
        },
      );
      p.step("after-broken", { inputs: { x: broken.outputs.x } }, () => undefined);
      p.step("independent", { cache: false }, () => undefined);
    });
    const executor = new LocalExecutor({ sleep: async (ms) => void delays.push(ms) });
    const result = await runPipeline(def, { trackingUri: t.uri, executor });
    expect(flakyCalls).toBe(3);
    expect(delays).toEqual([100, 200, 1000, 1500]);
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("step 'broken' failed");
    expect(result.steps.flaky).toMatchObject({ status: "SUCCEEDED", attempts: 3, outputs: { n: 3 } });
    expect(result.steps.broken).toMatchObject({ status: "FAILED", attempts: 3, error: "disk full" });
    expect(result.steps["after-broken"]).toMatchObject({
      status: "SKIPPED",
      error: "needs 'broken' (FAILED)",
    });
    expect(result.steps.independent?.status).toBe("SUCCEEDED");
    const record = await t.store.getRun(result.id);
    expect(record.status).toBe("FAILED");
    expect(record.steps.find((s) => s.name === "broken")).toMatchObject({
      status: "FAILED",
      attempt: 3,
      error: "disk full",
    });
    const log = await artifactText(result.steps.broken?.runId ?? "", "logs/broken.log");
    expect(log).toBe(
      [
        "about to fail",
        "attempt 1 failed: disk full; retrying in 1000 ms",
        "about to fail",
        "attempt 2 failed: disk full; retrying in 1500 ms",
        "about to fail",
        "",
      ].join("\n"),
    );
    const failedRun = await t.gyre.getRun(result.steps.broken?.runId ?? "");
    expect(failedRun.info.status).toBe("FAILED");
    expect((await t.gyre.getRun(result.runId)).info.status).toBe("FAILED");
  });

  it("aborts an attempt that exceeds its timeout and retries it", async () => {
    const seen: boolean[] = [];
    const def = pipeline("timeouts", (p) => {
      p.step(
        "slow",
        { timeoutMs: 50, retries: 1, backoffMs: 1, cache: false },
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener("abort", () => {
              seen.push(signal.aborted);
              reject(signal.reason);
            });
          }),
      );
    });
    const result = await runPipeline(def, { trackingUri: t.uri });
    expect(result.steps.slow).toMatchObject({
      status: "FAILED",
      attempts: 2,
      error: "step 'slow' timed out after 50 ms",
    });
    expect(seen).toEqual([true, true]);
  });

  it("runs independent steps in parallel up to the executor's CPU budget", async () => {
    let active = 0;
    let peak = 0;
    const peaks: Record<string, number> = {};
    // The first two steps wait for each other, which only works if two run at once.
    let openBarrier: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => {
      openBarrier = resolve;
    });
    const guard = setTimeout(openBarrier, 10_000);
    const body = (name: string) => async () => {
      active++;
      peak = Math.max(peak, active);
      peaks[name] = active;
      if (active === 2) openBarrier();
      await barrier;
      await new Promise((r) => setTimeout(r, 20));
      active--;
    };
    const def = pipeline("parallel", (p) => {
      for (const name of ["a", "b", "c", "d", "e"]) p.step(name, { cache: false }, body(name));
      p.step("big", { cache: false, resources: { cpu: 2 }, after: ["a", "b", "c", "d", "e"] }, body("big"));
    });
    const result = await runPipeline(def, {
      trackingUri: t.uri,
      executor: new LocalExecutor({ maxParallel: 2 }),
    });
    clearTimeout(guard);
    expect(result.status).toBe("SUCCEEDED");
    expect(peak).toBe(2);
    expect(peaks.big).toBe(1);
  });

  it("rejects unknown and ill-typed parameters before anything runs", async () => {
    const def = arithmetic(counter());
    await expect(
      runPipeline(def, { trackingUri: t.uri, params: { base: "ten", other: "1" } }),
    ).rejects.toThrow(
      "Pipeline 'arith': unknown parameter 'other' (parameters: base); parameter 'base' must be a number, got 'ten'.",
    );
  });

  it("gives shell steps MLflow's environment, so a plain client logs into the step's run", async () => {
    const script = join(work, "train.mjs");
    writeFileSync(
      script,
      `const uri = process.env.MLFLOW_TRACKING_URI;
const body = { run_id: process.env.MLFLOW_RUN_ID, key: "rmse", value: 0.25, timestamp: Date.now(), step: 0 };
const res = await fetch(uri + "/api/2.0/mlflow/runs/log-metric", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
console.log("logged rmse:", res.status);
console.error("data is", process.env.GYRE_INPUT_TRAIN_DATA);
const fs = await import("node:fs");
fs.writeFileSync(process.env.GYRE_OUTPUTS, JSON.stringify({ rmse: 0.25, note: process.env.GYRE_STEP }));
`,
    );
    const def = pipeline("shelly", (p) => {
      const data = p.step("make", { outputs: { path: "artifact" }, cache: false }, () => ({
        path: "/tmp/x.csv",
      }));
      p.shell("train", `node ${JSON.stringify(script)}`, {
        inputs: { "train-data": data.outputs.path },
        outputs: { rmse: "number", note: "string" },
        cache: false,
      });
      p.shell("fail", "echo going down; exit 3", { cache: false });
    });
    const result = await runPipeline(def, { trackingUri: t.uri });
    expect(result.steps.train).toMatchObject({ status: "SUCCEEDED", outputs: { rmse: 0.25, note: "train" } });
    expect(result.steps.fail).toMatchObject({
      status: "FAILED",
      error: "Step 'fail': command exited with code 3.",
    });
    const run = await t.gyre.getRun(result.steps.train?.runId ?? "");
    expect(run.data.metrics).toContainEqual(expect.objectContaining({ key: "rmse", value: 0.25 }));
    const log = (await artifactText(run.info.run_id, "logs/train.log")).split("\n").sort();
    expect(log).toEqual(["", "data is /tmp/x.csv", "logged rmse: 200"]);
    expect(await artifactText(result.steps.fail?.runId ?? "", "logs/fail.log")).toBe("going down\n");
  });

  it("cancels from another client: the in-process step is aborted, the shell step's process is killed", async () => {
    const pidFile = join(work, "sleeper.pid");
    let abortReason = "";
    const def = pipeline("cancellable", (p) => {
      p.step(
        "waiter",
        { cache: false },
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener("abort", () => {
              abortReason = String(signal.reason);
              reject(signal.reason);
            }),
          ),
      );
      p.shell("sleeper", `echo $$ > ${JSON.stringify(pidFile)}; exec sleep 60`, { cache: false });
      p.step("never", { after: ["waiter"], cache: false }, () => undefined);
    });
    const events: PipelineEvent[] = [];
    const running = runPipeline(def, {
      trackingUri: t.uri,
      cancelPollMs: 50,
      onEvent: (e) => events.push(e),
    });
    const pidWritten = () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "";
    for (
      let i = 0;
      i < 400 && !(pidWritten() && events.some((e) => e.type === "step" && e.step === "waiter"));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const started = events.find((e) => e.type === "pipeline");
    const id = started?.type === "pipeline" ? started.id : "";
    const sleeperPid = Number(readFileSync(pidFile, "utf8"));
    expect(() => process.kill(sleeperPid, 0)).not.toThrow();
    const cancelling = await t.store.cancelRun(id);
    expect(cancelling).toMatchObject({ status: "RUNNING", cancel_requested: true });

    const result = await running;
    expect(result.status).toBe("CANCELLED");
    expect(Object.values(result.steps).map((s) => s.status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
    expect(abortReason).toBe("StepCancelled: step 'waiter' was cancelled");
    expect(() => process.kill(sleeperPid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    const record = await t.store.getRun(id);
    expect(record.status).toBe("CANCELLED");
    expect((await t.gyre.getRun(result.runId)).info.status).toBe("KILLED");
    expect((await t.gyre.getRun(result.steps.sleeper?.runId ?? "")).info.status).toBe("KILLED");
    // A finished run stays as it ended.
    expect((await t.store.cancelRun(id)).status).toBe("CANCELLED");
  });
});
