import { execFileSync } from "node:child_process";
import { hostname, userInfo } from "node:os";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { Gyre, GyreError, type RunRecord } from "../src/index.js";
import { REPO_ROOT } from "./support/built.js";
import { recordingFetch } from "./support/recording-fetch.js";

let server: TestServer;
let gyre: Gyre;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  gyre = new Gyre({ trackingUri: server.baseUrl });
});
afterAll(() => server.close());

const tagsOf = (run: RunRecord) => Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));

describe("starting runs", () => {
  it("creates the experiment by name once and reuses it", async () => {
    const recorder = recordingFetch();
    const client = new Gyre({ trackingUri: server.baseUrl, fetch: recorder.fetch });
    const first = await client.startRun({ experiment: "churn", name: "first" });
    const second = await client.startRun({ experiment: "churn", name: "second" });

    expect(second.experimentId).toBe(first.experimentId);
    expect(recorder.to("/experiments/create")).toHaveLength(1);
    const named = (await client.listExperiments()).filter((e) => e.name === "churn");
    expect(named.map((e) => e.experiment_id)).toEqual([first.experimentId]);
    expect([first.info.run_name, second.info.run_name]).toEqual(["first", "second"]);
    expect(first.info.status).toBe("RUNNING");
    await Promise.all([first.end(), second.end()]);
  });

  it("tolerates a racing creator of the same experiment", async () => {
    const statuses: [string, number][] = [];
    let raced = false;
    const racing = new Gyre({
      trackingUri: server.baseUrl,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        statuses.push([new URL(url).pathname.split("/mlflow/")[1] ?? url, response.status]);
        if (!raced && url.includes("/experiments/get-by-name")) {
          raced = true;
          // Another process creates the experiment between our lookup and our create.
          await server.call("POST", "/api/2.0/mlflow/experiments/create", { name: "race" });
        }
        return response;
      },
    });
    const run = await racing.startRun({ experiment: "race" });
    const rival = await server.call("GET", "/api/2.0/mlflow/experiments/get-by-name", {
      experiment_name: "race",
    });

    expect(run.experimentId).toBe(rival.body.experiment.experiment_id);
    expect(statuses).toEqual([
      ["experiments/get-by-name", 404],
      ["experiments/create", 400],
      ["experiments/get-by-name", 200],
      ["runs/create", 200],
    ]);
    await run.end();
  });

  it("starts in an experiment given by id, and refuses both name and id", async () => {
    const experiment = await gyre.createExperiment("by-id", { tags: { team: "ml" } });
    expect(experiment.tags).toEqual([{ key: "team", value: "ml" }]);
    const run = await gyre.startRun({ experimentId: experiment.experiment_id });
    expect(run.experimentId).toBe(experiment.experiment_id);
    await run.end();
    const error = await gyre.startRun({ experiment: "by-id", experimentId: "0" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GyreError);
    expect((error as GyreError).code).toBe("INVALID_PARAMETER_VALUE");
  });

  it("sets MLflow's source tags and Gyre's host, node and git tags", async () => {
    const run = await gyre.startRun({ experiment: "tags", tags: { team: "ml" } });
    const tags = tagsOf(await gyre.getRun(run.id));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();

    expect(tags).toEqual({
      team: "ml",
      "mlflow.runName": run.info.run_name,
      "mlflow.user": userInfo().username,
      "mlflow.source.name": resolve(process.argv[1] ?? ""),
      "mlflow.source.type": "LOCAL",
      "mlflow.source.git.commit": git("rev-parse", "HEAD"),
      "gyre.source.git.dirty": String(git("status", "--porcelain", "--untracked-files=no") !== ""),
      "gyre.host": hostname(),
      "gyre.node.version": process.version,
    });
    expect(run.info.user_id).toBe(userInfo().username);
    await run.end();
  });

  it("links child runs to their parent with mlflow.parentRunId, in the parent's experiment", async () => {
    const parent = await gyre.startRun({ experiment: "nested" });
    const child = await parent.startChildRun({ name: "fold-1" });
    const byId = await gyre.startRun({ experiment: "other", parent: parent.id });

    expect(child.experimentId).toBe(parent.experimentId);
    expect(tagsOf(await gyre.getRun(child.id))["mlflow.parentRunId"]).toBe(parent.id);
    expect(tagsOf(await gyre.getRun(byId.id))["mlflow.parentRunId"]).toBe(parent.id);
    expect(tagsOf(await gyre.getRun(parent.id))["mlflow.parentRunId"]).toBeUndefined();
    await Promise.all([child.end(), byId.end(), parent.end()]);
  });
});

describe("logging round trip", () => {
  it("stores params, tags and metrics with their exact values", async () => {
    const run = await gyre.startRun({ experiment: "round-trip", params: { lr: 0.01, layers: 3 } });
    await run.logParams({ optimizer: "adam", shuffle: true });
    await run.setTags({ stage: "dev" });
    await run.setTag("stage", "prod");
    run.logMetrics({ loss: 0.5, acc: 0.75 }, { step: 1, timestamp: 1_000 });
    run.logMetric("loss", 0.25, { step: 2, timestamp: 2_000 });
    run.logMetric("odd", Number.NaN, { step: 0, timestamp: 3_000 });
    await run.end();

    const stored = await gyre.getRun(run.id);
    expect(stored.data.params).toEqual([
      { key: "layers", value: "3" },
      { key: "lr", value: "0.01" },
      { key: "optimizer", value: "adam" },
      { key: "shuffle", value: "true" },
    ]);
    expect(tagsOf(stored).stage).toBe("prod");
    expect(stored.data.metrics).toEqual([
      { key: "acc", value: 0.75, timestamp: 1_000, step: 1 },
      { key: "loss", value: 0.25, timestamp: 2_000, step: 2 },
      { key: "odd", value: "NaN", timestamp: 3_000, step: 0 },
    ]);
    expect(await gyre.getMetricHistory(run.id, "loss")).toEqual([
      { key: "loss", value: 0.5, timestamp: 1_000, step: 1 },
      { key: "loss", value: 0.25, timestamp: 2_000, step: 2 },
    ]);
    expect(stored.info.status).toBe("FINISHED");
    expect(stored.info.end_time).toBe(run.info.end_time);
    expect(stored.info.end_time).toBeGreaterThanOrEqual(stored.info.start_time);
  });

  it("sends more than 100 params in batches of 100", async () => {
    const recorder = recordingFetch();
    const client = new Gyre({ trackingUri: server.baseUrl, fetch: recorder.fetch });
    const run = await client.startRun({ experiment: "many-params" });
    const params = Object.fromEntries(
      Array.from({ length: 250 }, (_, i) => [`p${String(i).padStart(3, "0")}`, i]),
    );
    await run.logParams(params);
    await run.end();

    const batches = recorder
      .to("/runs/log-batch")
      .map((r) => (r.json as { params?: unknown[] }).params?.length);
    expect(batches).toEqual([100, 100, 50]);
    const stored = (await client.getRun(run.id)).data.params ?? [];
    expect(stored).toHaveLength(250);
    expect(stored[249]).toEqual({ key: "p249", value: "249" });
  });

  it("records dataset inputs with their context", async () => {
    const run = await gyre.startRun({ experiment: "inputs" });
    await run.logInput(
      {
        name: "churn.csv",
        digest: "abc123",
        sourceType: "local",
        source: '{"uri":"data/churn.csv"}',
        schema: "{}",
      },
      { context: "training", tags: { split: "80" } },
    );
    await run.end();
    expect((await gyre.getRun(run.id)).inputs.dataset_inputs).toEqual([
      {
        tags: [
          { key: "mlflow.data.context", value: "training" },
          { key: "split", value: "80" },
        ],
        dataset: {
          name: "churn.csv",
          digest: "abc123",
          source_type: "local",
          source: '{"uri":"data/churn.csv"}',
          schema: "{}",
        },
      },
    ]);
  });

  it("searches runs by experiment name with a filter and order", async () => {
    const experiment = "search";
    for (const [name, loss] of [
      ["a", 0.3],
      ["b", 0.1],
      ["c", 0.2],
    ] as const) {
      const run = await gyre.startRun({ experiment, name });
      run.logMetric("loss", loss);
      await run.end();
    }
    const page = await gyre.searchRuns({
      experiments: [experiment],
      filter: "metrics.loss < 0.25",
      orderBy: ["metrics.loss ASC"],
    });
    expect(page.runs.map((r) => r.info.run_name)).toEqual(["b", "c"]);
    expect(page.nextPageToken).toBeUndefined();

    const first = await gyre.searchRuns({
      experiments: [experiment],
      orderBy: ["run_name ASC"],
      maxResults: 2,
    });
    expect(first.runs.map((r) => r.info.run_name)).toEqual(["a", "b"]);
    const rest = await gyre.searchRuns({
      experiments: [experiment],
      orderBy: ["run_name ASC"],
      pageToken: first.nextPageToken,
    });
    expect(rest.runs.map((r) => r.info.run_name)).toEqual(["c"]);

    const missing = await gyre.searchRuns({ experiments: ["no-such-experiment"] }).catch((e: unknown) => e);
    expect((missing as GyreError).code).toBe("RESOURCE_DOES_NOT_EXIST");
  });
});

describe("withRun", () => {
  it("ends FINISHED with the body's result", async () => {
    let id = "";
    const result = await gyre.withRun({ experiment: "with-run" }, async (run) => {
      id = run.id;
      run.logMetric("x", 1, { timestamp: 5 });
      return 42;
    });
    expect(result).toBe(42);
    const stored = await gyre.getRun(id);
    expect(stored.info.status).toBe("FINISHED");
    expect(stored.data.metrics).toEqual([{ key: "x", value: 1, timestamp: 5, step: 0 }]);
  });

  it("ends FAILED and rethrows when the body throws", async () => {
    let id = "";
    const failure = new Error("diverged");
    const error = await gyre
      .withRun({ experiment: "with-run" }, async (run) => {
        id = run.id;
        throw failure;
      })
      .catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect((await gyre.getRun(id)).info.status).toBe("FAILED");
  });
});
