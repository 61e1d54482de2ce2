import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends } from "./support/backends.js";
import { startTestServer, type TestServer } from "./support/server.js";

/**
 * The metadata-store conformance suite: the same behaviour, through the real HTTP stack, on every
 * backend (embedded SQLite and PostgreSQL), each in a fresh store.
 */
const backends = await availableBackends();
const API = "/api/2.0/mlflow";

describe.each(backends)("tracking conformance on $name", (backend) => {
  let server: TestServer;
  const post = (path: string, body: Record<string, unknown>) => server.call("POST", `${API}/${path}`, body);
  const get = (path: string, query: Record<string, unknown>) => server.call("GET", `${API}/${path}`, query);

  async function newExperiment(name: string): Promise<string> {
    const created = await post("experiments/create", { name });
    expect(created.status).toBe(200);
    return created.body.experiment_id as string;
  }

  async function newRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await post("runs/create", { experiment_id: experimentId, start_time: 1000, ...extra });
    expect(created.status).toBe(200);
    return created.body.run.info.run_id as string;
  }

  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
  });

  describe("experiments", () => {
    it("has the Default experiment 0 from the start", async () => {
      const { status, body } = await get("experiments/get", { experiment_id: "0" });
      expect(status).toBe(200);
      expect(body.experiment).toMatchObject({
        experiment_id: "0",
        name: "Default",
        artifact_location: "mlflow-artifacts:/0",
        lifecycle_stage: "active",
      });
    });

    it("creates, reads by id and by name, with tags and a proxied artifact location", async () => {
      const created = await post("experiments/create", {
        name: "exp-create",
        tags: [{ key: "team", value: "risk" }],
      });
      expect(created.status).toBe(200);
      const id = created.body.experiment_id;
      expect(id).toMatch(/^[1-9]\d*$/);
      const byId = await get("experiments/get", { experiment_id: id });
      const byName = await get("experiments/get-by-name", { experiment_name: "exp-create" });
      expect(byName.body).toEqual(byId.body);
      expect(byId.body.experiment).toEqual({
        experiment_id: id,
        name: "exp-create",
        artifact_location: `mlflow-artifacts:/${id}`,
        lifecycle_stage: "active",
        creation_time: expect.any(Number),
        last_update_time: expect.any(Number),
        tags: [{ key: "team", value: "risk" }],
      });
    });

    it("accepts a numeric experiment_id in JSON bodies", async () => {
      const id = await newExperiment("exp-numeric-id");
      const run = await post("runs/create", { experiment_id: Number(id) });
      expect(run.status).toBe(200);
      expect(run.body.run.info.experiment_id).toBe(id);
    });

    it("refuses a duplicate name, even of a deleted experiment", async () => {
      const id = await newExperiment("exp-dup");
      const again = await post("experiments/create", { name: "exp-dup" });
      expect(again.status).toBe(400);
      expect(again.body.error_code).toBe("RESOURCE_ALREADY_EXISTS");
      await post("experiments/delete", { experiment_id: id });
      const afterDelete = await post("experiments/create", { name: "exp-dup" });
      expect(afterDelete.body.error_code).toBe("RESOURCE_ALREADY_EXISTS");
    });

    it("answers 404 RESOURCE_DOES_NOT_EXIST for unknown ids and names", async () => {
      const byId = await get("experiments/get", { experiment_id: "987654" });
      expect(byId).toEqual({
        status: 404,
        body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "No Experiment with id=987654 exists" },
      });
      const byName = await get("experiments/get-by-name", { experiment_name: "nope" });
      expect(byName.status).toBe(404);
      expect(byName.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    });

    it("renames, refuses a taken name, and refuses renaming a deleted experiment", async () => {
      const id = await newExperiment("exp-rename-a");
      await newExperiment("exp-rename-taken");
      expect((await post("experiments/update", { experiment_id: id, new_name: "exp-rename-b" })).status).toBe(
        200,
      );
      expect((await get("experiments/get", { experiment_id: id })).body.experiment.name).toBe("exp-rename-b");
      const taken = await post("experiments/update", { experiment_id: id, new_name: "exp-rename-taken" });
      expect(taken.body.error_code).toBe("RESOURCE_ALREADY_EXISTS");
      await post("experiments/delete", { experiment_id: id });
      const deleted = await post("experiments/update", { experiment_id: id, new_name: "exp-rename-c" });
      expect(deleted.status).toBe(500);
      expect(deleted.body.error_code).toBe("INVALID_STATE");
    });

    it("soft-deletes and restores an experiment together with its runs", async () => {
      const id = await newExperiment("exp-lifecycle");
      const runId = await newRun(id);
      await post("experiments/delete", { experiment_id: id });
      expect((await get("experiments/get", { experiment_id: id })).body.experiment.lifecycle_stage).toBe(
        "deleted",
      );
      expect((await get("runs/get", { run_id: runId })).body.run.info.lifecycle_stage).toBe("deleted");
      const logToDeleted = await post("runs/log-parameter", { run_id: runId, key: "a", value: "1" });
      expect(logToDeleted.status).toBe(400);
      expect(logToDeleted.body.message).toContain("must be in the 'active' state");
      const createInDeleted = await post("runs/create", { experiment_id: id });
      expect(createInDeleted.status).toBe(400);
      await post("experiments/restore", { experiment_id: id });
      expect((await get("runs/get", { run_id: runId })).body.run.info.lifecycle_stage).toBe("active");
    });

    it("sets, overwrites and deletes experiment tags", async () => {
      const id = await newExperiment("exp-tags");
      await post("experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "1" });
      await post("experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "2" });
      expect((await get("experiments/get", { experiment_id: id })).body.experiment.tags).toEqual([
        { key: "k", value: "2" },
      ]);
      expect((await post("experiments/delete-experiment-tag", { experiment_id: id, key: "k" })).status).toBe(
        200,
      );
      expect((await get("experiments/get", { experiment_id: id })).body.experiment.tags).toBeUndefined();
      const missing = await post("experiments/delete-experiment-tag", { experiment_id: id, key: "k" });
      expect(missing.status).toBe(404);
    });

    it("searches with filters, order_by, view types and page tokens", async () => {
      for (const name of ["srch-alpha", "srch-beta", "srch-gamma", "SRCH-delta"]) {
        const id = await newExperiment(name);
        await post("experiments/set-experiment-tag", {
          experiment_id: id,
          key: "kind",
          value: name.slice(5),
        });
      }
      const deletedId = await newExperiment("srch-deleted");
      await post("experiments/delete", { experiment_id: deletedId });

      const names = async (body: Record<string, unknown>) =>
        ((await post("experiments/search", { max_results: 100, ...body })).body.experiments ?? []).map(
          (e: { name: string }) => e.name,
        );
      expect(await names({ filter: "name LIKE 'srch-%'", order_by: ["name ASC"] })).toEqual([
        "srch-alpha",
        "srch-beta",
        "srch-gamma",
      ]);
      expect(await names({ filter: "name ILIKE 'srch-%'", order_by: ["name DESC"] })).toEqual([
        "srch-gamma",
        "srch-beta",
        "srch-alpha",
        "SRCH-delta",
      ]);
      expect(await names({ filter: "tags.kind = 'beta'" })).toEqual(["srch-beta"]);
      expect(await names({ filter: "name = 'srch-deleted'", view_type: "DELETED_ONLY" })).toEqual([
        "srch-deleted",
      ]);
      expect(await names({ filter: "name = 'srch-deleted'" })).toEqual([]);
      expect(await names({ filter: "name LIKE 'srch-%'", view_type: "ALL", order_by: ["name"] })).toEqual([
        "srch-alpha",
        "srch-beta",
        "srch-deleted",
        "srch-gamma",
      ]);

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await post("experiments/search", {
          filter: "name ILIKE 'srch-%'",
          order_by: ["name"],
          max_results: 3,
          ...(token ? { page_token: token } : {}),
        });
        seen.push(...page.body.experiments.map((e: { name: string }) => e.name));
        token = page.body.next_page_token;
        pages++;
      } while (token);
      expect(pages).toBe(2);
      expect(seen).toEqual(["SRCH-delta", "srch-alpha", "srch-beta", "srch-gamma"]);

      const bad = await post("experiments/search", { max_results: 10, filter: "params.x = 'a'" });
      expect(bad.status).toBe(400);
      expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      const tooMany = await post("experiments/search", { max_results: 50_001 });
      expect(tooMany.status).toBe(400);
    });
  });

  describe("runs", () => {
    let experimentId: string;
    beforeAll(async () => {
      experimentId = await newExperiment("runs-exp");
    });

    it("creates a run with MLflow's info shape and mirrors run_name into mlflow.runName", async () => {
      const created = await post("runs/create", {
        experiment_id: experimentId,
        run_name: "first",
        user_id: "ada",
        start_time: 1234,
        tags: [{ key: "team", value: "risk" }],
      });
      const runId = created.body.run.info.run_id;
      expect(runId).toMatch(/^[0-9a-f]{32}$/);
      expect(created.body.run).toEqual({
        info: {
          run_id: runId,
          run_uuid: runId,
          run_name: "first",
          experiment_id: experimentId,
          user_id: "ada",
          status: "RUNNING",
          start_time: 1234,
          artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
          lifecycle_stage: "active",
        },
        data: {
          tags: [
            { key: "mlflow.runName", value: "first" },
            { key: "team", value: "risk" },
          ],
        },
        inputs: {},
      });
      expect((await get("runs/get", { run_id: runId })).body).toEqual(created.body);
    });

    it("generates an adjective-noun-number name and refuses a conflicting name tag", async () => {
      const created = await post("runs/create", { experiment_id: experimentId });
      expect(created.body.run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
      const conflict = await post("runs/create", {
        experiment_id: experimentId,
        run_name: "a",
        tags: [{ key: "mlflow.runName", value: "b" }],
      });
      expect(conflict.status).toBe(400);
    });

    it("updates status, end time and name; renaming by tag renames the run", async () => {
      const runId = await newRun(experimentId);
      const updated = await post("runs/update", {
        run_id: runId,
        status: "FINISHED",
        end_time: 5000,
        run_name: "done",
      });
      expect(updated.body.run_info).toMatchObject({ status: "FINISHED", end_time: 5000, run_name: "done" });
      await post("runs/set-tag", { run_id: runId, key: "mlflow.runName", value: "renamed" });
      const run = (await get("runs/get", { run_uuid: runId })).body.run;
      expect(run.info.run_name).toBe("renamed");
      expect(run.data.tags).toContainEqual({ key: "mlflow.runName", value: "renamed" });
      const badStatus = await post("runs/update", { run_id: runId, status: "DONE" });
      expect(badStatus.status).toBe(400);
      expect(badStatus.body.message).toContain("status");
    });

    it("soft-deletes and restores runs; unknown runs are 404", async () => {
      const runId = await newRun(experimentId);
      await post("runs/delete", { run_id: runId });
      expect((await get("runs/get", { run_id: runId })).body.run.info.lifecycle_stage).toBe("deleted");
      await post("runs/restore", { run_id: runId });
      expect((await get("runs/get", { run_id: runId })).body.run.info.lifecycle_stage).toBe("active");
      const unknown = await get("runs/get", { run_id: "0".repeat(32) });
      expect(unknown).toEqual({
        status: 404,
        body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: `Run with id=${"0".repeat(32)} not found` },
      });
    });

    it("keeps params immutable: same value again is fine, a different value is refused", async () => {
      const runId = await newRun(experimentId);
      expect((await post("runs/log-parameter", { run_id: runId, key: "lr", value: "0.1" })).status).toBe(200);
      expect((await post("runs/log-parameter", { run_id: runId, key: "lr", value: "0.1" })).status).toBe(200);
      const changed = await post("runs/log-batch", { run_id: runId, params: [{ key: "lr", value: "0.2" }] });
      expect(changed.status).toBe(400);
      expect(changed.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(changed.body.message).toContain("Changing param values is not allowed");
      expect((await get("runs/get", { run_id: runId })).body.run.data.params).toEqual([
        { key: "lr", value: "0.1" },
      ]);
    });

    it("keeps full metric history, de-duplicates identical points, and reports the latest by (step, timestamp, value)", async () => {
      const runId = await newRun(experimentId);
      const metrics = [
        { key: "loss", value: 0.9, timestamp: 10, step: 0 },
        { key: "loss", value: 0.5, timestamp: 30, step: 2 },
        { key: "loss", value: 0.7, timestamp: 20, step: 1 },
        { key: "loss", value: 0.5, timestamp: 30, step: 2 },
        { key: "loss", value: 0.4, timestamp: 5, step: 2 },
      ];
      expect((await post("runs/log-batch", { run_id: runId, metrics })).status).toBe(200);
      // A retried batch must not duplicate history.
      expect((await post("runs/log-batch", { run_id: runId, metrics })).status).toBe(200);
      const history = await get("metrics/get-history", { run_id: runId, metric_key: "loss" });
      expect(history.body.metrics).toEqual([
        { key: "loss", value: 0.4, timestamp: 5, step: 2 },
        { key: "loss", value: 0.9, timestamp: 10, step: 0 },
        { key: "loss", value: 0.7, timestamp: 20, step: 1 },
        { key: "loss", value: 0.5, timestamp: 30, step: 2 },
      ]);
      // Logged later but at an earlier step: must not replace the latest value.
      await post("runs/log-metric", { run_id: runId, key: "loss", value: 0.1, timestamp: 99, step: 1 });
      const run = (await get("runs/get", { run_id: runId })).body.run;
      expect(run.data.metrics).toEqual([{ key: "loss", value: 0.5, timestamp: 30, step: 2 }]);
    });

    it("pages metric history when max_results is given", async () => {
      const runId = await newRun(experimentId);
      const metrics = Array.from({ length: 25 }, (_, i) => ({
        key: "acc",
        value: i / 10,
        timestamp: 100 + i,
        step: i,
      }));
      await post("runs/log-batch", { run_id: runId, metrics });
      const steps: number[] = [];
      let token: string | undefined;
      do {
        const page = await get("metrics/get-history", {
          run_id: runId,
          metric_key: "acc",
          max_results: 10,
          ...(token ? { page_token: token } : {}),
        });
        steps.push(...page.body.metrics.map((m: { step: number }) => m.step));
        token = page.body.next_page_token;
      } while (token);
      expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i));
    });

    it("stores NaN as NaN and clamps infinities, accepting numeric strings and string int64s", async () => {
      const runId = await newRun(experimentId);
      await post("runs/log-batch", {
        run_id: runId,
        metrics: [
          { key: "n", value: "NaN", timestamp: "7", step: "0" },
          { key: "i", value: "Infinity", timestamp: 7 },
          { key: "j", value: "-Infinity", timestamp: 7 },
          { key: "s", value: "2.5", timestamp: 7, step: 3 },
        ],
      });
      const run = (await get("runs/get", { run_id: runId })).body.run;
      expect(run.data.metrics).toEqual([
        { key: "i", value: 1.7976931348623157e308, timestamp: 7, step: 0 },
        { key: "j", value: -1.7976931348623157e308, timestamp: 7, step: 0 },
        { key: "n", value: "NaN", timestamp: 7, step: 0 },
        { key: "s", value: 2.5, timestamp: 7, step: 3 },
      ]);
    });

    it("enforces MLflow's batch and length limits with messages naming the rule", async () => {
      const runId = await newRun(experimentId);
      const tooMany = await post("runs/log-batch", {
        run_id: runId,
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: 1, timestamp: i })),
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.message).toContain("at most 1000 metrics");
      const longValue = await post("runs/log-parameter", {
        run_id: runId,
        key: "p",
        value: "x".repeat(6001),
      });
      expect(longValue.status).toBe(400);
      expect(longValue.body.message).toContain("6000");
      const longKey = await post("runs/set-tag", { run_id: runId, key: "k".repeat(251), value: "v" });
      expect(longKey.status).toBe(400);
      expect(longKey.body.message).toContain("250");
      const badKey = await post("runs/log-metric", { run_id: runId, key: "a*b", value: 1, timestamp: 1 });
      expect(badKey.status).toBe(400);
      expect(badKey.body.message).toContain("Invalid metric name: 'a*b'");
      const escaping = await post("runs/log-metric", {
        run_id: runId,
        key: "a/../b",
        value: 1,
        timestamp: 1,
      });
      expect(escaping.status).toBe(400);
      const dupParams = await post("runs/log-batch", {
        run_id: runId,
        params: [
          { key: "p", value: "1" },
          { key: "p", value: "2" },
        ],
      });
      expect(dupParams.status).toBe(400);
      expect(dupParams.body.message).toContain("Duplicate parameter keys");
      const missing = await post("runs/log-metric", { key: "m", value: 1, timestamp: 1 });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain("'run_id'");
    });

    it("deletes tags (404 when absent) and records dataset inputs once", async () => {
      const runId = await newRun(experimentId);
      await post("runs/set-tag", { run_id: runId, key: "t", value: "1" });
      expect((await post("runs/delete-tag", { run_id: runId, key: "t" })).status).toBe(200);
      expect((await post("runs/delete-tag", { run_id: runId, key: "t" })).status).toBe(404);
      const dataset = {
        name: "churn-train",
        digest: "abc123",
        source_type: "local",
        source: '{"uri": "/data/churn.csv"}',
        schema: '{"mlflow_colspec": []}',
        profile: '{"num_rows": 10}',
      };
      const input = { tags: [{ key: "mlflow.data.context", value: "training" }], dataset };
      expect((await post("runs/log-inputs", { run_id: runId, datasets: [input] })).status).toBe(200);
      expect((await post("runs/log-inputs", { run_id: runId, datasets: [input] })).status).toBe(200);
      const run = (await get("runs/get", { run_id: runId })).body.run;
      expect(run.inputs).toEqual({ dataset_inputs: [input] });
    });

    it("appends logged models to mlflow.log-model.history", async () => {
      const runId = await newRun(experimentId);
      const model = {
        artifact_path: "model",
        flavors: { onnx: {} },
        utc_time_created: "2026-01-01",
        run_id: runId,
      };
      expect(
        (await post("runs/log-model", { run_id: runId, model_json: JSON.stringify(model) })).status,
      ).toBe(200);
      expect(
        (await post("runs/log-model", { run_id: runId, model_json: JSON.stringify(model) })).status,
      ).toBe(200);
      const tags = (await get("runs/get", { run_id: runId })).body.run.data.tags;
      const history = tags.find((t: { key: string }) => t.key === "mlflow.log-model.history");
      expect(JSON.parse(history.value)).toEqual([model, model]);
      const bad = await post("runs/log-model", { run_id: runId, model_json: '{"artifact_path": "m"}' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain("flavors");
    });

    it("links child runs to their parent through mlflow.parentRunId", async () => {
      const parent = await newRun(experimentId);
      const child = await newRun(experimentId, { tags: [{ key: "mlflow.parentRunId", value: parent }] });
      const found = await post("runs/search", {
        experiment_ids: [experimentId],
        filter: `tags.mlflow.parentRunId = '${parent}'`,
      });
      expect(found.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([child]);
    });
  });

  describe("run search", () => {
    let experimentId: string;
    const ids: string[] = [];
    beforeAll(async () => {
      experimentId = await newExperiment("search-exp");
      const rows = [
        { name: "r0", m: 0.9, p: "Adam", t: "gpu", start: 100 },
        { name: "r1", m: 0.2, p: "adam", t: "cpu", start: 200 },
        { name: "r2", m: Number.NaN, p: "sgd", t: "gpu", start: 300 },
        { name: "r3", m: 0.6, p: "SGD", t: undefined, start: 400 },
        { name: "r4", m: undefined, p: undefined, t: "tpu", start: 500 },
      ];
      for (const row of rows) {
        const id = await newRun(experimentId, { run_name: row.name, start_time: row.start });
        ids.push(id);
        await post("runs/log-batch", {
          run_id: id,
          metrics:
            row.m === undefined
              ? []
              : [{ key: "acc", value: Number.isNaN(row.m) ? "NaN" : row.m, timestamp: 1 }],
          params: row.p === undefined ? [] : [{ key: "opt", value: row.p }],
          tags: row.t === undefined ? [] : [{ key: "device", value: row.t }],
        });
      }
      await post("runs/update", { run_id: ids[1], status: "FINISHED", end_time: 900 });
      await post("runs/delete", { run_id: ids[0] });
      await post("runs/restore", { run_id: ids[0] });
      await post("runs/log-inputs", {
        run_id: ids[2],
        datasets: [
          {
            tags: [{ key: "mlflow.data.context", value: "training" }],
            dataset: { name: "flights", digest: "d1", source_type: "local", source: "{}" },
          },
        ],
      });
    });

    const names = async (body: Record<string, unknown>) => {
      const response = await post("runs/search", { experiment_ids: [experimentId], ...body });
      expect(response.status).toBe(200);
      return (response.body.runs ?? []).map((r: { info: { run_name: string } }) => r.info.run_name);
    };

    it("orders by start_time DESC by default", async () => {
      expect(await names({})).toEqual(["r4", "r3", "r2", "r1", "r0"]);
    });

    it("compares the latest metric numerically and skips runs lacking the key, even for !=", async () => {
      expect(await names({ filter: "metrics.acc > 0.5" })).toEqual(["r3", "r0"]);
      expect(await names({ filter: "metrics.acc != 0.2" })).toEqual(["r3", "r0"]);
      expect(await names({ filter: "metric.acc <= 0.2" })).toEqual(["r1"]);
    });

    it("matches params and tags with =, !=, case-sensitive LIKE and ILIKE", async () => {
      expect(await names({ filter: "params.opt = 'adam'" })).toEqual(["r1"]);
      expect(await names({ filter: "params.opt LIKE 'a%'" })).toEqual(["r1"]);
      expect(await names({ filter: "params.opt ILIKE 'a%'" })).toEqual(["r1", "r0"]);
      expect(await names({ filter: "params.opt != 'sgd'" })).toEqual(["r3", "r1", "r0"]);
      expect(await names({ filter: "tags.device = 'gpu' and params.opt ILIKE 's%'" })).toEqual(["r2"]);
    });

    it("filters attributes, run ids with IN, and datasets", async () => {
      expect(await names({ filter: "attributes.status = 'FINISHED'" })).toEqual(["r1"]);
      expect(await names({ filter: "attributes.run_name = 'r3'" })).toEqual(["r3"]);
      expect(await names({ filter: "attributes.start_time >= 300" })).toEqual(["r4", "r3", "r2"]);
      expect(await names({ filter: `attributes.run_id IN ('${ids[0]}', '${ids[4]}')` })).toEqual([
        "r4",
        "r0",
      ]);
      expect(await names({ filter: "datasets.name = 'flights' and datasets.context = 'training'" })).toEqual([
        "r2",
      ]);
    });

    it("orders by metric with NaN after numbers and missing last, in both directions", async () => {
      expect(await names({ order_by: ["metrics.acc ASC"] })).toEqual(["r1", "r3", "r0", "r2", "r4"]);
      expect(await names({ order_by: ["metrics.acc DESC"] })).toEqual(["r0", "r3", "r1", "r2", "r4"]);
      expect(await names({ order_by: ["params.opt"] })).toEqual(["r0", "r3", "r1", "r2", "r4"]);
    });

    it("pages with opaque tokens and no spurious last page", async () => {
      const first = await post("runs/search", { experiment_ids: [experimentId], max_results: 2 });
      expect(first.body.runs).toHaveLength(2);
      const second = await post("runs/search", {
        experiment_ids: [experimentId],
        max_results: 2,
        page_token: first.body.next_page_token,
      });
      const third = await post("runs/search", {
        experiment_ids: [experimentId],
        max_results: 2,
        page_token: second.body.next_page_token,
      });
      expect(third.body.runs).toHaveLength(1);
      expect(third.body.next_page_token).toBeUndefined();
      const bad = await post("runs/search", { experiment_ids: [experimentId], page_token: "###" });
      expect(bad.status).toBe(400);
    });

    it("returns {} without experiment ids and 400 for grammar errors", async () => {
      expect(await post("runs/search", {})).toEqual({ status: 200, body: {} });
      const or = await post("runs/search", {
        experiment_ids: [experimentId],
        filter: "metrics.a > 1 OR metrics.b > 1",
      });
      expect(or.status).toBe(400);
      expect(or.body.message).toContain("OR");
      const quoted = await post("runs/search", {
        experiment_ids: [experimentId],
        filter: "metrics.acc > '1'",
      });
      expect(quoted.status).toBe(400);
    });

    it("down-samples histories for several runs in get-history-bulk-interval", async () => {
      const runId = await newRun(experimentId);
      const metrics = Array.from({ length: 100 }, (_, i) => ({
        key: "curve",
        value: i,
        timestamp: i,
        step: i,
      }));
      await post("runs/log-batch", { run_id: runId, metrics });
      const sampled = await get("metrics/get-history-bulk-interval", {
        run_ids: [runId],
        metric_key: "curve",
        max_results: 10,
      });
      const steps = sampled.body.metrics.map((m: { step: number }) => m.step);
      expect(steps).toHaveLength(10);
      expect(steps[0]).toBe(0);
      expect(steps.at(-1)).toBe(99);
      expect(sampled.body.metrics[0]).toEqual({
        key: "curve",
        value: 0,
        timestamp: 0,
        step: 0,
        run_id: runId,
      });
    });
  });

  describe("artifacts", () => {
    it("uploads through the proxy, lists nested directories and downloads byte-exact", async () => {
      const experimentId = await newExperiment("artifact-exp");
      const runId = await newRun(experimentId);
      const root = `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 256);
      expect((await fetch(`${root}/model/weights.bin`, { method: "PUT", body: bytes })).status).toBe(200);
      expect(
        (
          await fetch(`${root}/notes.txt`, {
            method: "PUT",
            body: "hi",
            headers: { "content-type": "text/plain" },
          })
        ).status,
      ).toBe(200);

      const top = await get("artifacts/list", { run_id: runId });
      expect(top.body).toEqual({
        root_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        files: [
          { path: "model", is_dir: true },
          { path: "notes.txt", is_dir: false, file_size: 2 },
        ],
      });
      const nested = await get("artifacts/list", { run_id: runId, path: "model" });
      expect(nested.body.files).toEqual([{ path: "model/weights.bin", is_dir: false, file_size: 300_000 }]);
      const proxied = await fetch(
        `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts/model`,
      );
      expect(await proxied.json()).toEqual({
        files: [{ path: "weights.bin", is_dir: false, file_size: 300_000 }],
      });

      const download = await fetch(`${root}/model/weights.bin`);
      expect(download.headers.get("content-disposition")).toBe('attachment; filename="weights.bin"');
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
      expect((await fetch(`${root}/missing.bin`)).status).toBe(404);
      const traversal = await get("artifacts/list", { run_id: runId, path: "../../.." });
      expect(traversal.status).toBe(400);
      expect((await fetch(`${root}/notes.txt`, { method: "DELETE" })).status).toBe(200);
      expect((await fetch(`${root}/notes.txt`)).status).toBe(404);
    });
  });
});
