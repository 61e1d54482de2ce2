import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";

const BASE = "/api/2.0/gyre/pipelines";
let t: PipelineTestServer;
beforeAll(async () => {
  t = await startPipelineServer();
});
afterAll(async () => {
  await t.close();
});

describe("the pipelines HTTP routes", () => {
  it("rejects bad requests with the field and the rule", async () => {
    const badName = await t.server.call("POST", `${BASE}/runs/create`, {
      name: "has space",
      executor: "local",
      steps: [],
    });
    expect(badName.status).toBe(400);
    expect(badName.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(badName.body.message).toContain("name");

    const duplicate = await t.server.call("POST", `${BASE}/runs/create`, {
      name: "p",
      executor: "local",
      steps: [{ name: "a" }, { name: "a" }],
    });
    expect(duplicate).toEqual({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: "steps: the step name 'a' appears twice." },
    });
    const dangling = await t.server.call("POST", `${BASE}/runs/create`, {
      name: "p",
      executor: "local",
      steps: [{ name: "a", depends_on: ["ghost"] }],
    });
    expect(dangling.body.message).toBe("steps: step 'a' depends on 'ghost', which is not a step of the run.");

    const badKind = await t.server.call("POST", `${BASE}/triggers/create`, {
      name: "t",
      pipeline: "p",
      module: "/x.mjs",
      spec: { kind: "weekly" },
    });
    expect(badKind.status).toBe(400);
    expect(badKind.body.message).toContain("spec.kind");
    const badMax = await t.server.call("GET", `${BASE}/runs/list`, { max_results: 0 });
    expect(badMax.body.message).toContain("max_results is from 1 to 1000");
  });

  it("answers 404 for unknown runs, steps and triggers", async () => {
    const run = await t.server.call("GET", `${BASE}/runs/get`, { id: "nope" });
    expect(run).toEqual({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Pipeline run 'nope' does not exist." },
    });
    const created = await t.store.createRun({ name: "p", executor: "local", steps: [{ name: "a" }] });
    const step = await t.server.call("POST", `${BASE}/steps/update`, {
      id: created.id,
      step: "b",
      status: "RUNNING",
    });
    expect(step.body).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: `Pipeline run '${created.id}' has no step 'b'.`,
    });
    const trigger = await t.server.call("POST", `${BASE}/triggers/poll`, { name: "ghost" });
    expect(trigger.body).toEqual({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "Trigger 'ghost' does not exist.",
    });
  });

  it("keeps a finished run's status, stamps times, and cancels queued runs at once", async () => {
    const run = await t.store.createRun({
      name: "p",
      executor: "local",
      steps: [{ name: "a" }, { name: "b", depends_on: ["a"] }],
    });
    expect(run).toMatchObject({ status: "QUEUED", cancel_requested: false, params: {} });
    expect(run.steps.map((s) => [s.name, s.status, s.depends_on, s.attempt])).toEqual([
      ["a", "PENDING", [], 0],
      ["b", "PENDING", ["a"], 0],
    ]);
    const running = await t.store.updateRun({ id: run.id, status: "RUNNING" });
    expect(running.start_time).toBeGreaterThanOrEqual(run.creation_time);
    const step = await t.store.updateStep({
      id: run.id,
      step: "a",
      status: "SUCCEEDED",
      outputs: { n: [1, 2] },
    });
    expect(step).toMatchObject({ status: "SUCCEEDED", outputs: { n: [1, 2] } });
    expect(step.end_time).toBeGreaterThanOrEqual(step.start_time ?? 0);
    const done = await t.store.updateRun({ id: run.id, status: "SUCCEEDED" });
    expect(done.end_time).toBeDefined();
    const change = await t.server.call("POST", `${BASE}/runs/update`, { id: run.id, status: "FAILED" });
    expect(change.body).toEqual({
      error_code: "INVALID_STATE",
      message: `Pipeline run '${run.id}' has ended (SUCCEEDED); its status cannot change to FAILED.`,
    });
    expect((await t.store.cancelRun(run.id)).status).toBe("SUCCEEDED");

    const queued = await t.store.createRun({ name: "p", executor: "local", steps: [] });
    expect(await t.store.cancelRun(queued.id)).toMatchObject({ status: "CANCELLED", cancel_requested: true });

    // A run whose coordinator is gone: force ends it and its unfinished steps, keeping finished ones.
    const orphan = await t.store.createRun({
      name: "p",
      executor: "local",
      steps: [{ name: "a" }, { name: "b" }],
    });
    await t.store.updateRun({ id: orphan.id, status: "RUNNING" });
    await t.store.updateStep({ id: orphan.id, step: "a", status: "SUCCEEDED" });
    await t.store.updateStep({ id: orphan.id, step: "b", status: "RUNNING" });
    expect((await t.store.cancelRun(orphan.id)).status).toBe("RUNNING");
    const forced = await t.store.cancelRun(orphan.id, { force: true });
    expect(forced).toMatchObject({ status: "CANCELLED", cancel_requested: true });
    expect(forced.end_time).toBeDefined();
    expect(forced.steps.map((x) => x.status)).toEqual(["SUCCEEDED", "CANCELLED"]);
  });

  it("pages log lines in order after a sequence number, per step or for the whole run", async () => {
    const run = await t.store.createRun({
      name: "p",
      executor: "local",
      steps: [{ name: "a" }, { name: "b" }],
    });
    await t.store.appendLogs(run.id, "a", [{ text: "a1" }, { text: "a2" }]);
    await t.store.appendLogs(run.id, "b", [{ text: "b1" }]);
    await t.store.appendLogs(run.id, "a", [{ text: "a3" }]);
    const all = await t.store.getLogs(run.id);
    expect(all.map((l) => `${l.step}:${l.text}`)).toEqual(["a:a1", "a:a2", "b:b1", "a:a3"]);
    expect((await t.store.getLogs(run.id, { step: "a", after: all[1]?.seq })).map((l) => l.text)).toEqual([
      "a3",
    ]);
    expect((await t.store.getLogs(run.id, { maxResults: 2 })).map((l) => l.text)).toEqual(["a1", "a2"]);
  });
});
