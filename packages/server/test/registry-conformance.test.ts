import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { availableBackends } from "./support/backends.js";
import { startTestServer, type TestServer } from "./support/server.js";

/**
 * The model registry through the real HTTP stack, on every backend (SQLite and PostgreSQL):
 * MLflow's registry routes with its shapes and error codes, plus Gyre's audit and resolve routes.
 */
const backends = await availableBackends();
const API = "/api/2.0/mlflow";
const GYRE = "/api/2.0/gyre/registry";
const DOCS = "See the API docs for more information about request parameters.";

type Body = Record<string, unknown>;

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

/** The message a parser throws, to compare the server's report with the same parser's words. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the call to throw");
}

describe.each(backends)("registry conformance on $name", (backend) => {
  let server: TestServer;
  let experimentId: string;
  let localRoot: string;

  const post = (path: string, body: Body) => server.call("POST", `${API}/${path}`, body);
  const get = (path: string, query: Body) => server.call("GET", `${API}/${path}`, query);
  const patch = (path: string, body: Body) => server.call("PATCH", `${API}/${path}`, body);
  const del = (path: string, body: Body) => server.call("DELETE", `${API}/${path}`, body);
  const gyre = (path: string, query: Body) => server.call("GET", `${GYRE}/${path}`, query);

  /** A JSON call carrying the x-gyre-user header. */
  async function as(user: string, method: string, path: string, body: Body) {
    const response = await fetch(`${server.baseUrl}${API}/${path}`, {
      method,
      headers: { "content-type": "application/json", "x-gyre-user": user },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function newModel(name: string, extra: Body = {}) {
    const created = await post("registered-models/create", { name, ...extra });
    expect(created.status).toBe(200);
    return created.body.registered_model;
  }

  async function newVersion(name: string, source: string, extra: Body = {}) {
    const created = await post("model-versions/create", { name, source, ...extra });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.model_version;
  }

  async function newRun(experiment = experimentId): Promise<string> {
    const created = await post("runs/create", { experiment_id: experiment, start_time: 1000 });
    expect(created.status).toBe(200);
    return created.body.run.info.run_id as string;
  }

  async function upload(path: string, content: string): Promise<void> {
    const response = await fetch(`${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
      method: "PUT",
      body: content,
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(200);
  }

  /** Asserts a timestamp was taken during the call that started at t0. */
  function expectDuring(value: unknown, t0: number): number {
    expect(typeof value).toBe("number");
    expect(value as number).toBeGreaterThanOrEqual(t0);
    expect(value as number).toBeLessThanOrEqual(Date.now());
    return value as number;
  }

  const names = (models: { name: string }[] | undefined) => (models ?? []).map((m) => m.name);
  const versions = (list: { name: string; version: string }[] | undefined) =>
    (list ?? []).map((v) => `${v.name}/${v.version}`);

  beforeAll(async () => {
    server = await startTestServer(backend);
    const created = await post("experiments/create", { name: "registry-exp" });
    experimentId = created.body.experiment_id;
    localRoot = mkdtempSync(join(tmpdir(), "gyre-registry-local-"));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(localRoot, { recursive: true, force: true });
  });

  describe("registered models", () => {
    it("creates a model with MLflow's shape, reads it back, and refuses a duplicate name", async () => {
      const t0 = Date.now();
      const created = await post("registered-models/create", {
        name: "rm-create",
        description: "churn model",
        tags: [
          { key: "team", value: "risk" },
          { key: "domain", value: "churn" },
        ],
      });
      expect(created.status).toBe(200);
      const ts = expectDuring(created.body.registered_model.creation_timestamp, t0);
      expect(created.body).toEqual({
        registered_model: {
          name: "rm-create",
          creation_timestamp: ts,
          last_updated_timestamp: ts,
          description: "churn model",
          tags: [
            { key: "domain", value: "churn" },
            { key: "team", value: "risk" },
          ],
        },
      });
      expect(await get("registered-models/get", { name: "rm-create" })).toEqual({
        status: 200,
        body: created.body,
      });
      expect(await post("registered-models/create", { name: "rm-create" })).toEqual({
        status: 400,
        body: {
          error_code: "RESOURCE_ALREADY_EXISTS",
          message: "Registered Model (name=rm-create) already exists.",
        },
      });
    });

    it("answers 404 for an unknown model and 400 for a missing name", async () => {
      expect(await get("registered-models/get", { name: "rm-nope" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=rm-nope not found",
        },
      });
      expect(await post("registered-models/create", { name: "" })).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `Missing value for required parameter 'name'. ${DOCS}`,
        },
      });
    });

    it("updates the description with PATCH and leaves it alone when absent", async () => {
      const model = await newModel("rm-update");
      const t0 = Date.now();
      const updated = await patch("registered-models/update", { name: "rm-update", description: "v2 docs" });
      expect(updated.status).toBe(200);
      const ts = expectDuring(updated.body.registered_model.last_updated_timestamp, t0);
      expect(updated.body).toEqual({
        registered_model: {
          name: "rm-update",
          creation_timestamp: model.creation_timestamp,
          last_updated_timestamp: ts,
          description: "v2 docs",
        },
      });
      const untouched = await patch("registered-models/update", { name: "rm-update" });
      expect(untouched.body.registered_model.description).toBe("v2 docs");
      const unknown = await patch("registered-models/update", { name: "rm-none", description: "x" });
      expect(unknown.status).toBe(404);
    });

    it("renames a model: versions, their tags, the model's tags and aliases all follow", async () => {
      await newModel("rm-old", { tags: [{ key: "k", value: "v" }] });
      await newVersion("rm-old", "s3://bucket/models/a");
      const v2 = await newVersion("rm-old", "s3://bucket/models/b");
      await post("model-versions/set-tag", { name: "rm-old", version: "2", key: "vt", value: "x" });
      await post("registered-models/alias", { name: "rm-old", alias: "champion", version: "2" });
      await newModel("rm-taken");

      const taken = await post("registered-models/rename", { name: "rm-old", new_name: "rm-taken" });
      expect(taken).toEqual({
        status: 400,
        body: {
          error_code: "RESOURCE_ALREADY_EXISTS",
          message: "Registered Model (name=rm-taken) already exists.",
        },
      });

      const t0 = Date.now();
      const renamed = await post("registered-models/rename", { name: "rm-old", new_name: "rm-new" });
      expect(renamed.status).toBe(200);
      const model = renamed.body.registered_model;
      const ts = expectDuring(model.last_updated_timestamp, t0);
      expect(model.name).toBe("rm-new");
      expect(model.tags).toEqual([{ key: "k", value: "v" }]);
      expect(model.aliases).toEqual([{ alias: "champion", version: "2" }]);
      expect(model.latest_versions).toEqual([
        {
          name: "rm-new",
          version: "2",
          creation_timestamp: v2.creation_timestamp,
          last_updated_timestamp: ts,
          current_stage: "None",
          source: "s3://bucket/models/b",
          status: "READY",
          tags: [{ key: "vt", value: "x" }],
          aliases: ["champion"],
        },
      ]);
      expect((await get("registered-models/get", { name: "rm-old" })).status).toBe(404);
      const v1 = await get("model-versions/get", { name: "rm-new", version: "1" });
      expect(v1.body.model_version.name).toBe("rm-new");
      expect(v1.body.model_version.last_updated_timestamp).toBe(ts);
      const byAlias = await get("registered-models/alias", { name: "rm-new", alias: "champion" });
      expect(byAlias.body.model_version.version).toBe("2");
      expect((await get("model-versions/get", { name: "rm-old", version: "1" })).status).toBe(404);
      // The next version continues the numbering under the new name.
      expect((await newVersion("rm-new", "s3://bucket/models/c")).version).toBe("3");
    });

    it("deletes a model (DELETE with a JSON body) with its versions; numbering restarts", async () => {
      await newModel("rm-delete");
      await newVersion("rm-delete", "s3://bucket/d/1");
      await newVersion("rm-delete", "s3://bucket/d/2");
      expect(await del("registered-models/delete", { name: "rm-delete" })).toEqual({ status: 200, body: {} });
      expect((await get("registered-models/get", { name: "rm-delete" })).status).toBe(404);
      expect(await get("model-versions/get", { name: "rm-delete", version: "1" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Model Version (name=rm-delete, version=1) not found",
        },
      });
      expect((await del("registered-models/delete", { name: "rm-delete" })).status).toBe(404);
      await newModel("rm-delete");
      expect((await newVersion("rm-delete", "s3://bucket/d/3")).version).toBe("1");
    });

    it("reads PATCH and DELETE bodies as JSON whatever their content type, as MLflow does", async () => {
      await newModel("rm-plain-body");
      const response = await fetch(`${server.baseUrl}${API}/registered-models/delete`, {
        method: "DELETE",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ name: "rm-plain-body" }),
      });
      expect([response.status, await response.json()]).toEqual([200, {}]);
      expect((await get("registered-models/get", { name: "rm-plain-body" })).status).toBe(404);
      await newModel("rm-plain-patch");
      const patched = await fetch(`${server.baseUrl}${API}/registered-models/update`, {
        method: "PATCH",
        body: JSON.stringify({ name: "rm-plain-patch", description: "no content type" }),
      });
      expect(patched.status).toBe(200);
      expect(((await patched.json()) as any).registered_model.description).toBe("no content type");
      const malformed = await fetch(`${server.baseUrl}${API}/registered-models/delete`, {
        method: "DELETE",
        headers: { "content-type": "text/plain" },
        body: "{name",
      });
      expect(malformed.status).toBe(400);
      const error = (await malformed.json()) as { error_code: string; message: string };
      expect(error.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(error.message).toMatch(/^Malformed JSON request body: /);
      const empty = await fetch(`${server.baseUrl}${API}/registered-models/delete`, { method: "DELETE" });
      expect([empty.status, await empty.json()]).toEqual([
        400,
        {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `Missing value for required parameter 'name'. ${DOCS}`,
        },
      ]);
    });

    it("sets, overwrites and deletes model tags; an absent tag deletes quietly, as in MLflow", async () => {
      await newModel("rm-tags");
      await post("registered-models/set-tag", { name: "rm-tags", key: "stage", value: "dev" });
      await post("registered-models/set-tag", { name: "rm-tags", key: "stage", value: "prod" });
      await post("registered-models/set-tag", { name: "rm-tags", key: "owner", value: "ada" });
      expect((await get("registered-models/get", { name: "rm-tags" })).body.registered_model.tags).toEqual([
        { key: "owner", value: "ada" },
        { key: "stage", value: "prod" },
      ]);
      expect(await del("registered-models/delete-tag", { name: "rm-tags", key: "stage" })).toEqual({
        status: 200,
        body: {},
      });
      expect(await del("registered-models/delete-tag", { name: "rm-tags", key: "stage" })).toEqual({
        status: 200,
        body: {},
      });
      expect((await get("registered-models/get", { name: "rm-tags" })).body.registered_model.tags).toEqual([
        { key: "owner", value: "ada" },
      ]);
      expect(
        (await post("registered-models/set-tag", { name: "rm-none", key: "k", value: "v" })).status,
      ).toBe(404);
      const long = await post("registered-models/set-tag", {
        name: "rm-tags",
        key: "k",
        value: "x".repeat(100_001),
      });
      expect(long.status).toBe(400);
      expect(long.body.message).toBe(
        `Registered model tag value '${"x".repeat(64)}...' had length 100001, which exceeded length limit of 100000.`,
      );
      const atLimit = await post("registered-models/set-tag", {
        name: "rm-tags",
        key: "k",
        value: "x".repeat(100_000),
      });
      expect(atLimit.status).toBe(200);
      const badKey = await post("registered-models/set-tag", { name: "rm-tags", key: "a*b", value: "v" });
      expect(badKey.status).toBe(400);
      expect(badKey.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    });
  });

  describe("model versions", () => {
    it("numbers versions 1, 2, 3 per model, created READY with MLflow's shape", async () => {
      await newModel("mv-numbers");
      await newModel("mv-numbers-other");
      const t0 = Date.now();
      const created = await post("model-versions/create", {
        name: "mv-numbers",
        source: "s3://bucket/path/model",
        description: "first",
        run_link: "http://elsewhere/#/runs/1",
        tags: [{ key: "k", value: "v" }],
      });
      expect(created.status).toBe(200);
      const ts = expectDuring(created.body.model_version.creation_timestamp, t0);
      expect(created.body).toEqual({
        model_version: {
          name: "mv-numbers",
          version: "1",
          creation_timestamp: ts,
          last_updated_timestamp: ts,
          current_stage: "None",
          description: "first",
          source: "s3://bucket/path/model",
          status: "READY",
          tags: [{ key: "k", value: "v" }],
          run_link: "http://elsewhere/#/runs/1",
        },
      });
      expect(await get("model-versions/get", { name: "mv-numbers", version: "1" })).toEqual({
        status: 200,
        body: created.body,
      });
      expect((await newVersion("mv-numbers", "s3://bucket/path/model2")).version).toBe("2");
      expect((await newVersion("mv-numbers-other", "s3://bucket/other")).version).toBe("1");
      expect((await newVersion("mv-numbers", "s3://bucket/path/model3")).version).toBe("3");
      // Creating a version touches the model's last_updated_timestamp.
      const model = (await get("registered-models/get", { name: "mv-numbers" })).body.registered_model;
      expect(model.last_updated_timestamp).toBeGreaterThanOrEqual(ts);
      expect(model.latest_versions.map((v: { version: string }) => v.version)).toEqual(["3"]);
      const missing = await post("model-versions/create", { name: "mv-nope", source: "s3://bucket/x" });
      expect(missing).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=mv-nope not found",
        },
      });
    });

    it("validates sources as MLflow does: '..', %00, empty paths and bare local paths are 400", async () => {
      await newModel("mv-sources");
      const relative = (source: string) => ({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
        },
      });
      for (const source of [
        "mlflow-artifacts:/1/../../etc",
        "mlflow-artifacts://host:5000/../../../../",
        "s3://bucket/models/..%2f..%2fsecret",
        "s3://bucket/models/%252e%252e/x",
        "http://host/api/2.0/mlflow-artifacts/artifacts%00",
        "s3://bucket",
        "s3://bucket/",
        "s3://bucket/a/./b",
      ]) {
        expect(await post("model-versions/create", { name: "mv-sources", source }), source).toEqual(
          relative(source),
        );
      }
      expect(await post("model-versions/create", { name: "mv-sources", source: "/tmp/model" })).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message:
            "Invalid model version source: '/tmp/model'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.",
        },
      });
      const missing = await post("model-versions/create", { name: "mv-sources" });
      expect(missing.body.message).toBe(`Missing value for required parameter 'source'. ${DOCS}`);
      // Nothing above was registered.
      expect((await newVersion("mv-sources", "s3://bucket/ok/model")).version).toBe("1");
    });

    it("accepts a local source only inside the artifact directory of the given run", async () => {
      const location = pathToFileURL(join(localRoot, "exp")).href;
      const created = await post("experiments/create", {
        name: "registry-local-exp",
        artifact_location: location,
      });
      const runId = await newRun(created.body.experiment_id);
      const inside = join(localRoot, "exp", runId, "artifacts", "model");
      await newModel("mv-local");
      const version = await newVersion("mv-local", inside, { run_id: runId });
      expect([version.source, version.run_id]).toEqual([inside, runId]);
      const outside = await post("model-versions/create", {
        name: "mv-local",
        source: join(localRoot, "elsewhere"),
        run_id: runId,
      });
      const localError = (source: string) => ({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
        },
      });
      expect(outside).toEqual(localError(join(localRoot, "elsewhere")));
      const escapingSource = `${join(localRoot, "exp", runId, "artifacts")}/../../x`;
      const escaping = await post("model-versions/create", {
        name: "mv-local",
        source: escapingSource,
        run_id: runId,
      });
      // With a run_id, MLflow names the resolved path.
      expect(escaping).toEqual(localError(join(localRoot, "exp", "x")));
      const fileUri = pathToFileURL(join(localRoot, "exp", runId, "artifacts", "m2")).href;
      expect((await newVersion("mv-local", fileUri, { run_id: runId })).version).toBe("2");
    });

    it("records the run of a runs:/ source and resolves its download URI", async () => {
      const runId = await newRun();
      await newModel("mv-runs-uri");
      const version = await newVersion("mv-runs-uri", `runs:/${runId}/model`);
      expect(version).toEqual({
        name: "mv-runs-uri",
        version: "1",
        creation_timestamp: version.creation_timestamp,
        last_updated_timestamp: version.creation_timestamp,
        current_stage: "None",
        source: `runs:/${runId}/model`,
        run_id: runId,
        status: "READY",
      });
      expect(await get("model-versions/get-download-uri", { name: "mv-runs-uri", version: "1" })).toEqual({
        status: 200,
        body: { artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model` },
      });
      const unknownRun = await post("model-versions/create", {
        name: "mv-runs-uri",
        source: `runs:/${"0".repeat(32)}/model`,
      });
      expect(unknownRun).toEqual({
        status: 404,
        body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: `Run with id=${"0".repeat(32)} not found` },
      });
      // An unknown model is named before the source is looked at, as MLflow's store does.
      expect(
        await post("model-versions/create", { name: "mv-nobody", source: `runs:/${"0".repeat(32)}/model` }),
      ).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=mv-nobody not found",
        },
      });
      const otherRun = await post("model-versions/create", {
        name: "mv-runs-uri",
        source: `runs:/${runId}/model`,
        run_id: "f".repeat(32),
      });
      expect(otherRun.status).toBe(400);
    });

    it("records the run of a proxied source inside a run's artifacts; other sources record none", async () => {
      const runId = await newRun();
      await newModel("mv-proxied");
      const proxied = await newVersion(
        "mv-proxied",
        `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
      );
      expect(proxied.run_id).toBe(runId);
      const withHost = await newVersion(
        "mv-proxied",
        `mlflow-artifacts://localhost:5000/${experimentId}/${runId}/artifacts/m2`,
      );
      expect(withHost.run_id).toBe(runId);
      const wrongExperiment = await newVersion(
        "mv-proxied",
        `mlflow-artifacts:/999/${runId}/artifacts/model`,
      );
      expect(wrongExperiment.run_id).toBeUndefined();
      const elsewhere = await newVersion("mv-proxied", "s3://bucket/model");
      expect(elsewhere.run_id).toBeUndefined();
      expect(
        (await get("model-versions/get-download-uri", { name: "mv-proxied", version: "4" })).body,
      ).toEqual({ artifact_uri: "s3://bucket/model" });
    });

    it("reads format, signature and input example from a gyre-model.json, and the run's latest metrics", async () => {
      const runId = await newRun();
      await post("runs/log-batch", {
        run_id: runId,
        metrics: [
          { key: "acc", value: 0.5, timestamp: 1, step: 0 },
          { key: "acc", value: 0.9, timestamp: 2, step: 1 },
          { key: "loss", value: "NaN", timestamp: 2, step: 1 },
        ],
      });
      const signature = {
        inputs: [{ name: "x", type: "float32", shape: [-1, 4] }],
        outputs: [{ name: "y", type: "int64", shape: [-1] }],
      };
      await upload(
        `${experimentId}/${runId}/artifacts/model/gyre-model.json`,
        JSON.stringify({
          format: "onnx",
          model_file: "model.onnx",
          signature,
          input_example: { x: [[1, 2, 3, 4]] },
        }),
      );
      await newModel("mv-gyre-manifest");
      const version = await newVersion("mv-gyre-manifest", `runs:/${runId}/model`);
      expect(version).toEqual({
        name: "mv-gyre-manifest",
        version: "1",
        creation_timestamp: version.creation_timestamp,
        last_updated_timestamp: version.creation_timestamp,
        current_stage: "None",
        source: `runs:/${runId}/model`,
        run_id: runId,
        status: "READY",
        gyre_format: "onnx",
        gyre_signature:
          '{"inputs":[{"name":"x","type":"float32","shape":[-1,4]}],"outputs":[{"name":"y","type":"int64","shape":[-1]}]}',
        gyre_input_example: '{"x":[[1,2,3,4]]}',
        gyre_run_metrics: [
          { key: "acc", value: 0.9 },
          { key: "loss", value: "NaN" },
        ],
      });
      // A snapshot: metrics logged after registration do not change it.
      await post("runs/log-metric", { run_id: runId, key: "acc", value: 0.1, timestamp: 3, step: 5 });
      expect(
        (await get("model-versions/get", { name: "mv-gyre-manifest", version: "1" })).body.model_version,
      ).toEqual(version);
    });

    it("reads an MLmodel uploaded through the artifact proxy (flavors, signature, input example)", async () => {
      const runId = await newRun();
      const root = `${experimentId}/${runId}/artifacts`;
      await upload(
        `${root}/sk/MLmodel`,
        [
          "artifact_path: sk",
          "flavors:",
          "  python_function:",
          "    loader_module: mlflow.sklearn",
          "    python_version: 3.11.4",
          "  sklearn:",
          "    pickled_model: model.pkl",
          "    sklearn_version: 1.4.2",
          "mlflow_version: 2.16.2",
          `run_id: ${runId}`,
          "saved_input_example_info:",
          "  artifact_path: input_example.json",
          "  pandas_orient: split",
          "  type: dataframe",
          "signature:",
          `  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type": "double", "name": "sepal_width", "required": true}]'`,
          `  outputs: '[{"type": "long", "required": true}]'`,
          "  params: null",
          "utc_time_created: '2026-01-01 00:00:00.000000'",
          "",
        ].join("\n"),
      );
      await upload(
        `${root}/sk/input_example.json`,
        '{"columns": ["sepal_length", "sepal_width"], "data": [[5.1, 3.5]]}',
      );
      await upload(
        `${root}/onnx/MLmodel`,
        "flavors:\n  python_function: {}\n  onnx:\n    onnx_version: 1.16.0\n",
      );
      await newModel("mv-mlmodel");
      const sk = await newVersion("mv-mlmodel", `mlflow-artifacts:/${root}/sk`, { run_id: runId });
      expect([sk.gyre_format, sk.gyre_signature, sk.gyre_input_example, sk.gyre_run_metrics]).toEqual([
        "sklearn",
        '{"inputs":[{"type":"double","name":"sepal_length","required":true},{"type":"double","name":"sepal_width","required":true}],"outputs":[{"type":"long","required":true}]}',
        '{"columns":["sepal_length","sepal_width"],"data":[[5.1,3.5]]}',
        undefined,
      ]);
      const onnx = await newVersion("mv-mlmodel", `mlflow-artifacts:/${root}/onnx`);
      expect([onnx.gyre_format, onnx.gyre_signature, onnx.gyre_input_example]).toEqual([
        "onnx",
        undefined,
        undefined,
      ]);
      const none = await newVersion("mv-mlmodel", `mlflow-artifacts:/${root}/absent`);
      expect(Object.keys(none).filter((k) => k.startsWith("gyre_"))).toEqual([]);
    });

    it("refuses a manifest that does not parse, naming the file", async () => {
      const runId = await newRun();
      await upload(`${experimentId}/${runId}/artifacts/bad/gyre-model.json`, "{not json");
      await newModel("mv-bad-manifest");
      const source = `runs:/${runId}/bad`;
      const bad = await post("model-versions/create", { name: "mv-bad-manifest", source });
      const uri = `mlflow-artifacts:/${experimentId}/${runId}/artifacts/bad`;
      expect(bad).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `Invalid model manifest 'gyre-model.json' in '${uri}': ${errorOf(() => JSON.parse("{not json"))}`,
        },
      });
      const yamlText = "flavors: [unclosed";
      await upload(`${experimentId}/${runId}/artifacts/bad-yaml/MLmodel`, yamlText);
      const badYaml = await post("model-versions/create", {
        name: "mv-bad-manifest",
        source: `runs:/${runId}/bad-yaml`,
      });
      expect(badYaml).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: `Invalid model manifest 'MLmodel' in '${uri}-yaml': ${errorOf(() => parseYaml(yamlText)).split("\n")[0]}`,
        },
      });
      await upload(`${experimentId}/${runId}/artifacts/list/gyre-model.json`, "[1, 2]");
      expect(
        (await post("model-versions/create", { name: "mv-bad-manifest", source: `runs:/${runId}/list` }))
          .body,
      ).toEqual({
        error_code: "INVALID_PARAMETER_VALUE",
        message: `Invalid model manifest 'gyre-model.json' in '${uri.replace(/bad$/, "list")}': it must hold a JSON object`,
      });
      expect(
        (await get("registered-models/get", { name: "mv-bad-manifest" })).body.registered_model,
      ).not.toHaveProperty("latest_versions");
    });

    it("get: a non-integer version is 400, an unknown one 404 with MLflow's message", async () => {
      await newModel("mv-get");
      await newVersion("mv-get", "s3://bucket/m");
      expect(await get("model-versions/get", { name: "mv-get", version: "abc" })).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Parameter 'version' must be an integer, got 'abc'.",
        },
      });
      expect(await get("model-versions/get", { name: "mv-get", version: "9" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Model Version (name=mv-get, version=9) not found",
        },
      });
      expect(await get("model-versions/get", { name: "mv-nobody", version: "1" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Model Version (name=mv-nobody, version=1) not found",
        },
      });
      expect((await get("model-versions/get-download-uri", { name: "mv-get", version: "x1" })).status).toBe(
        400,
      );
      expect((await get("model-versions/get", { name: "mv-get", version: 1 })).status).toBe(200);
    });

    it("updates a version's description with PATCH", async () => {
      await newModel("mv-update");
      const created = await newVersion("mv-update", "s3://bucket/m");
      const t0 = Date.now();
      const updated = await patch("model-versions/update", {
        name: "mv-update",
        version: "1",
        description: "calibrated",
      });
      const ts = expectDuring(updated.body.model_version.last_updated_timestamp, t0);
      expect(updated).toEqual({
        status: 200,
        body: { model_version: { ...created, description: "calibrated", last_updated_timestamp: ts } },
      });
      expect((await patch("model-versions/update", { name: "mv-update", version: "2" })).status).toBe(404);
    });

    it("deletes a version: its aliases go, it is hidden everywhere, and its number is never reused", async () => {
      await newModel("mv-delete");
      await newVersion("mv-delete", "s3://bucket/1");
      await newVersion("mv-delete", "s3://bucket/2");
      await newVersion("mv-delete", "s3://bucket/3");
      await post("registered-models/alias", { name: "mv-delete", alias: "champion", version: "3" });
      await post("registered-models/alias", { name: "mv-delete", alias: "stable", version: "1" });
      expect(await del("model-versions/delete", { name: "mv-delete", version: "3" })).toEqual({
        status: 200,
        body: {},
      });
      expect((await get("model-versions/get", { name: "mv-delete", version: "3" })).status).toBe(404);
      expect((await del("model-versions/delete", { name: "mv-delete", version: "3" })).status).toBe(404);
      const model = (await get("registered-models/get", { name: "mv-delete" })).body.registered_model;
      expect(model.aliases).toEqual([{ alias: "stable", version: "1" }]);
      expect(model.latest_versions.map((v: { version: string }) => v.version)).toEqual(["2"]);
      expect(await get("registered-models/alias", { name: "mv-delete", alias: "champion" })).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Registered model alias champion not found.",
        },
      });
      const search = await get("model-versions/search", { filter: "name = 'mv-delete'" });
      expect(versions(search.body.model_versions)).toEqual(["mv-delete/2", "mv-delete/1"]);
      expect((await newVersion("mv-delete", "s3://bucket/4")).version).toBe("4");
      // Deleting the newest version never lets its number come back either.
      await del("model-versions/delete", { name: "mv-delete", version: "4" });
      expect((await newVersion("mv-delete", "s3://bucket/5")).version).toBe("5");
    });

    it("sets, overwrites and deletes version tags", async () => {
      await newModel("mv-tags");
      await newVersion("mv-tags", "s3://bucket/m");
      await post("model-versions/set-tag", { name: "mv-tags", version: "1", key: "validated", value: "no" });
      await post("model-versions/set-tag", { name: "mv-tags", version: "1", key: "validated", value: "yes" });
      await post("model-versions/set-tag", { name: "mv-tags", version: "1", key: "a", value: "" });
      expect(
        (await get("model-versions/get", { name: "mv-tags", version: "1" })).body.model_version.tags,
      ).toEqual([
        { key: "a", value: "" },
        { key: "validated", value: "yes" },
      ]);
      expect(await del("model-versions/delete-tag", { name: "mv-tags", version: "1", key: "a" })).toEqual({
        status: 200,
        body: {},
      });
      expect(
        (await del("model-versions/delete-tag", { name: "mv-tags", version: "1", key: "a" })).status,
      ).toBe(200);
      expect(
        (await get("model-versions/get", { name: "mv-tags", version: "1" })).body.model_version.tags,
      ).toEqual([{ key: "validated", value: "yes" }]);
      expect(
        (await post("model-versions/set-tag", { name: "mv-tags", version: "2", key: "k", value: "v" })).body,
      ).toEqual({
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Model Version (name=mv-tags, version=2) not found",
      });
      expect(
        (
          await post("model-versions/set-tag", {
            name: "mv-tags",
            version: "1",
            key: "k",
            value: "x".repeat(100_001),
          })
        ).body.message,
      ).toBe(
        `Model version tag value '${"x".repeat(64)}...' had length 100001, which exceeded length limit of 100000.`,
      );
    });
  });

  describe("concurrency", () => {
    it("numbers concurrent registrations of one model 1..n without gaps or duplicates", async () => {
      await newModel("cc-versions");
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          post("model-versions/create", { name: "cc-versions", source: `s3://bucket/cc/${i}` }),
        ),
      );
      expect(created.map((r) => r.status)).toEqual(Array(12).fill(200));
      const numbers = created.map((r) => Number(r.body.model_version.version)).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });

    it("moves an alias atomically under concurrent moves: the audit chain has no gaps", async () => {
      await newModel("cc-alias");
      for (let i = 1; i <= 6; i++) await newVersion("cc-alias", `s3://bucket/cca/${i}`);
      const moves = Array.from({ length: 18 }, (_, i) => String((i % 6) + 1));
      const answers = await Promise.all(
        moves.map((version) =>
          post("registered-models/alias", { name: "cc-alias", alias: "champion", version }),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(18).fill(200));
      const log = await gyre("audit", { name: "cc-alias" });
      const sets = (
        log.body.entries as { action: string; before?: { version: string }; after: { version: string } }[]
      )
        .filter((e) => e.action === "set_alias")
        .reverse();
      expect(sets).toHaveLength(18);
      // Each move's "before" is the previous move's "after": no two moves saw the same state.
      expect(sets[0]!.before).toBeUndefined();
      for (let i = 1; i < sets.length; i++) expect(sets[i]!.before).toEqual(sets[i - 1]!.after);
      const final = await get("registered-models/alias", { name: "cc-alias", alias: "champion" });
      expect(final.body.model_version.version).toBe(sets.at(-1)!.after.version);
    });
  });

  describe("aliases", () => {
    it("sets, moves, reads and deletes aliases; models:/name@alias resolves to the current version", async () => {
      await newModel("al-model");
      const v1 = await newVersion("al-model", "s3://bucket/al/1");
      await newVersion("al-model", "s3://bucket/al/2");
      expect(
        await post("registered-models/alias", { name: "al-model", alias: "champion", version: "1" }),
      ).toEqual({
        status: 200,
        body: {},
      });
      const first = await get("registered-models/alias", { name: "al-model", alias: "champion" });
      expect(first).toEqual({ status: 200, body: { model_version: { ...v1, aliases: ["champion"] } } });
      expect((await gyre("resolve", { uri: "models:/al-model@champion" })).body).toEqual({
        name: "al-model",
        version: "1",
        source: "s3://bucket/al/1",
        download_uri: "s3://bucket/al/1",
      });

      await post("registered-models/alias", { name: "al-model", alias: "champion", version: "2" });
      await post("registered-models/alias", { name: "al-model", alias: "challenger", version: "1" });
      const moved = await get("registered-models/alias", { name: "al-model", alias: "champion" });
      expect(moved.body.model_version).toEqual({
        name: "al-model",
        version: "2",
        creation_timestamp: moved.body.model_version.creation_timestamp,
        last_updated_timestamp: moved.body.model_version.last_updated_timestamp,
        current_stage: "None",
        source: "s3://bucket/al/2",
        status: "READY",
        aliases: ["champion"],
      });
      expect(
        (await get("model-versions/get", { name: "al-model", version: "1" })).body.model_version.aliases,
      ).toEqual(["challenger"]);
      expect(
        (await get("registered-models/get", { name: "al-model" })).body.registered_model.aliases,
      ).toEqual([
        { alias: "challenger", version: "1" },
        { alias: "champion", version: "2" },
      ]);
      expect((await gyre("resolve", { uri: "models:/al-model@champion" })).body.version).toBe("2");

      expect(await del("registered-models/alias", { name: "al-model", alias: "champion" })).toEqual({
        status: 200,
        body: {},
      });
      expect(await get("registered-models/alias", { name: "al-model", alias: "champion" })).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Registered model alias champion not found.",
        },
      });
      expect(await gyre("resolve", { uri: "models:/al-model@champion" })).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Registered model alias champion not found.",
        },
      });
      expect(await del("registered-models/alias", { name: "al-model", alias: "champion" })).toEqual({
        status: 200,
        body: {},
      });
    });

    it("refuses reserved and malformed alias names, unknown versions and unknown models", async () => {
      await newModel("al-rules");
      await newVersion("al-rules", "s3://bucket/r");
      const set = (alias: string, version = "1") =>
        post("registered-models/alias", { name: "al-rules", alias, version });
      const invalid = (message: string) => ({
        status: 400,
        body: { error_code: "INVALID_PARAMETER_VALUE", message },
      });
      expect(await set("latest")).toEqual(invalid("'latest' alias name (case insensitive) is reserved."));
      expect(await set("LaTeSt")).toEqual(invalid("'latest' alias name (case insensitive) is reserved."));
      expect(await set("v1")).toEqual(invalid("Version alias name 'v1' is reserved."));
      expect(await set("V12")).toEqual(invalid("Version alias name 'V12' is reserved."));
      expect(await set("a b")).toEqual(
        invalid(
          "Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
        ),
      );
      expect((await set("a".repeat(256))).status).toBe(400);
      expect((await set("a".repeat(255))).status).toBe(200);
      expect(await set("v1x")).toEqual({ status: 200, body: {} });
      expect(await set("prod", "abc")).toEqual(invalid("Parameter 'version' must be an integer, got 'abc'."));
      expect(await set("prod", "7")).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Model Version (name=al-rules, version=7) not found",
        },
      });
      expect(await post("registered-models/alias", { name: "al-none", alias: "prod", version: "1" })).toEqual(
        {
          status: 404,
          body: {
            error_code: "RESOURCE_DOES_NOT_EXIST",
            message: "Model Version (name=al-none, version=1) not found",
          },
        },
      );
      expect(await del("registered-models/alias", { name: "al-none", alias: "prod" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=al-none not found",
        },
      });
      expect(await del("registered-models/alias", { name: "al-rules", alias: "latest" })).toEqual(
        invalid("'latest' alias name (case insensitive) is reserved."),
      );
    });

    it("reads the reserved alias latest as the newest live version, as MLflow 3 does", async () => {
      await newModel("al-latest");
      await newVersion("al-latest", "s3://bucket/l/1");
      const v2 = await newVersion("al-latest", "s3://bucket/l/2");
      await newVersion("al-latest", "s3://bucket/l/3");
      await del("model-versions/delete", { name: "al-latest", version: "3" });
      expect(await get("registered-models/alias", { name: "al-latest", alias: "latest" })).toEqual({
        status: 200,
        body: { model_version: v2 },
      });
      expect((await get("registered-models/alias", { name: "al-latest", alias: "Latest" })).body).toEqual({
        model_version: v2,
      });
      expect((await gyre("resolve", { uri: "models:/al-latest@latest" })).body).toEqual({
        name: "al-latest",
        version: "2",
        source: "s3://bucket/l/2",
        download_uri: "s3://bucket/l/2",
      });
      await newModel("al-latest-empty");
      expect(await get("registered-models/alias", { name: "al-latest-empty", alias: "latest" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "No versions of model with name 'al-latest-empty' found",
        },
      });
    });

    it("resolves models:/name/3, models:/name/latest and models:/name/<stage>; refuses malformed URIs", async () => {
      await newModel("al-resolve");
      await newVersion("al-resolve", "s3://bucket/x/1");
      const runId = await newRun();
      await upload(
        `${experimentId}/${runId}/artifacts/m/gyre-model.json`,
        '{"format":"onnx","signature":{"inputs":[]}}',
      );
      await newVersion("al-resolve", `runs:/${runId}/m`);
      await newVersion("al-resolve", "s3://bucket/x/3");
      await del("model-versions/delete", { name: "al-resolve", version: "3" });
      await post("model-versions/transition-stage", {
        name: "al-resolve",
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
      });
      expect((await gyre("resolve", { uri: "models:/al-resolve/2" })).body).toEqual({
        name: "al-resolve",
        version: "2",
        source: `runs:/${runId}/m`,
        download_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/m`,
        format: "onnx",
        signature: '{"inputs":[]}',
      });
      expect((await gyre("resolve", { uri: "models:/al-resolve/latest" })).body.version).toBe("2");
      expect((await gyre("resolve", { uri: "models:/al-resolve/production" })).body.version).toBe("1");
      expect(await gyre("resolve", { uri: "models:/al-resolve/Staging" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "No versions of model with name 'al-resolve' and stage 'Staging' found",
        },
      });
      expect((await gyre("resolve", { uri: "models:/al-resolve/3" })).status).toBe(404);
      expect((await gyre("resolve", { uri: "models:/al-none/latest" })).body).toEqual({
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Registered Model with name=al-none not found",
      });
      for (const uri of [
        "models:/",
        "models:/al-resolve",
        "models:/a/b/c",
        "models:/al-resolve@",
        "models:al-resolve/1",
      ]) {
        expect(await gyre("resolve", { uri }), uri).toEqual({
          status: 400,
          body: {
            error_code: "INVALID_PARAMETER_VALUE",
            message: `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/model_name/suffix' or 'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.`,
          },
        });
      }
      expect((await gyre("resolve", { uri: `runs:/${runId}/m` })).status).toBe(400);
      // A models:/ URI is also a registration source: it registers the same files again.
      await newModel("al-copy");
      const copy = await newVersion("al-copy", "models:/al-resolve/2");
      expect([copy.source, copy.run_id, copy.gyre_format]).toEqual(["models:/al-resolve/2", runId, "onnx"]);
      expect((await get("model-versions/get-download-uri", { name: "al-copy", version: "1" })).body).toEqual({
        artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/m`,
      });
    });
  });

  describe("stages", () => {
    it("transitions stages, archives the stage's other versions on request, and reports latest versions per stage", async () => {
      await newModel("st-model");
      for (let i = 1; i <= 4; i++) await newVersion("st-model", `s3://bucket/st/${i}`);
      const transition = (version: string, stage: string, archive = false) =>
        post("model-versions/transition-stage", {
          name: "st-model",
          version,
          stage,
          archive_existing_versions: archive,
        });
      const t0 = Date.now();
      const first = await transition("1", "production");
      expect(first.status).toBe(200);
      const ts = expectDuring(first.body.model_version.last_updated_timestamp, t0);
      expect(first.body).toEqual({
        model_version: {
          name: "st-model",
          version: "1",
          creation_timestamp: first.body.model_version.creation_timestamp,
          last_updated_timestamp: ts,
          current_stage: "Production",
          source: "s3://bucket/st/1",
          status: "READY",
        },
      });
      await transition("2", "Production", true);
      expect(
        (await get("model-versions/get", { name: "st-model", version: "1" })).body.model_version
          .current_stage,
      ).toBe("Archived");
      await transition("3", "STAGING");

      const latest = await post("registered-models/get-latest-versions", { name: "st-model" });
      expect(latest.status).toBe(200);
      expect(
        latest.body.model_versions.map((v: { version: string; current_stage: string }) => [
          v.version,
          v.current_stage,
        ]),
      ).toEqual([
        ["1", "Archived"],
        ["2", "Production"],
        ["3", "Staging"],
        ["4", "None"],
      ]);
      const production = await post("registered-models/get-latest-versions", {
        name: "st-model",
        stages: ["production", "Staging"],
      });
      expect(versions(production.body.model_versions)).toEqual(["st-model/2", "st-model/3"]);
      const viaGet = await get("registered-models/get-latest-versions", { name: "st-model", stages: "None" });
      expect(versions(viaGet.body.model_versions)).toEqual(["st-model/4"]);
      const model = (await get("registered-models/get", { name: "st-model" })).body.registered_model;
      expect(versions(model.latest_versions)).toEqual([
        "st-model/1",
        "st-model/2",
        "st-model/3",
        "st-model/4",
      ]);

      expect(await transition("4", "Released")).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message:
            "Invalid Model Version stage: Released. Value must be one of None, Staging, Production, Archived.",
        },
      });
      expect(await transition("4", "Archived", true)).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message:
            "Model version transition cannot archive existing model versions because 'Archived' is not an Active stage. Valid stages are ['Staging', 'Production']",
        },
      });
      expect(
        (await post("registered-models/get-latest-versions", { name: "st-model", stages: ["nope"] })).status,
      ).toBe(400);
      expect((await post("registered-models/get-latest-versions", { name: "st-none" })).status).toBe(404);
      expect((await transition("9", "Staging")).status).toBe(404);
      // Required in MLflow's proto, so a client that leaves it out learns so rather than getting a default.
      expect(
        await post("model-versions/transition-stage", { name: "st-model", version: "4", stage: "Staging" }),
      ).toEqual({
        status: 400,
        body: {
          error_code: "INVALID_PARAMETER_VALUE",
          message:
            "Missing value for required parameter 'archive_existing_versions'. See the API docs for more information about request parameters.",
        },
      });
    });
  });

  describe("search", () => {
    beforeAll(async () => {
      for (const [name, team] of [
        ["sr-alpha", "risk"],
        ["sr-beta", "growth"],
        ["sr-gamma", "risk"],
        ["SR-delta", "ops"],
      ] as const) {
        await newModel(name, { tags: [{ key: "team", value: team }] });
        await tick(); // distinct creation timestamps, so timestamp orders are strict
      }
    });

    it("searches registered models by name (LIKE, ILIKE, =) and tags, ordered and paged", async () => {
      const search = async (query: Body) => {
        const response = await get("registered-models/search", query);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        return response.body;
      };
      expect(names((await search({ filter: "name LIKE 'sr-%'" })).registered_models)).toEqual([
        "sr-alpha",
        "sr-beta",
        "sr-gamma",
      ]);
      expect(
        names((await search({ filter: "name ILIKE 'sr-%'", order_by: "name DESC" })).registered_models),
      ).toEqual(["sr-gamma", "sr-beta", "sr-alpha", "SR-delta"]);
      expect(names((await search({ filter: "name = 'sr-beta'" })).registered_models)).toEqual(["sr-beta"]);
      expect(
        names((await search({ filter: "name ILIKE 'sr-%' and tags.team = 'risk'" })).registered_models),
      ).toEqual(["sr-alpha", "sr-gamma"]);
      expect(
        names((await search({ filter: "tag.`team` != 'risk' and name ILIKE 'sr-%'" })).registered_models),
      ).toEqual(["SR-delta", "sr-beta"]);
      expect(
        names(
          (await search({ filter: "name ILIKE 'sr-%'", order_by: ["creation_timestamp DESC"] }))
            .registered_models,
        ),
      ).toEqual(["SR-delta", "sr-gamma", "sr-beta", "sr-alpha"]);

      const first = await search({ filter: "name ILIKE 'sr-%'", max_results: 3 });
      expect(names(first.registered_models)).toEqual(["SR-delta", "sr-alpha", "sr-beta"]);
      expect(first.next_page_token).toBe(Buffer.from('{"offset": 3}').toString("base64"));
      const second = await search({
        filter: "name ILIKE 'sr-%'",
        max_results: 3,
        page_token: first.next_page_token,
      });
      expect(second).toEqual({
        registered_models: [
          {
            name: "sr-gamma",
            creation_timestamp: second.registered_models[0].creation_timestamp,
            last_updated_timestamp: second.registered_models[0].last_updated_timestamp,
            tags: [{ key: "team", value: "risk" }],
          },
        ],
      });
      const exact = await search({ filter: "name LIKE 'sr-%'", max_results: 3 });
      expect(exact.next_page_token).toBeUndefined();

      const bad = (query: Body) => get("registered-models/search", query);
      expect((await bad({ filter: "run_id = 'x'" })).body).toEqual({
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid attribute key 'run_id' specified. Valid keys are 'name'",
      });
      expect((await bad({ max_results: 1001 })).status).toBe(400);
      expect((await bad({ order_by: "version_number" })).status).toBe(400);
    });

    it("searches model versions by name, run_id IN, version_number and tags, with order_by and tokens", async () => {
      const runA = await newRun();
      const runB = await newRun();
      await newModel("sv-a");
      await newModel("sv-b");
      await newVersion("sv-a", `runs:/${runA}/model`, { tags: [{ key: "kind", value: "tree" }] });
      await tick();
      await newVersion("sv-a", `runs:/${runB}/model`, { tags: [{ key: "kind", value: "linear" }] });
      await tick();
      await newVersion("sv-a", "s3://bucket/sv/a3");
      await tick();
      await newVersion("sv-b", `runs:/${runA}/other`, { tags: [{ key: "kind", value: "tree" }] });
      await tick();
      await newVersion("sv-b", "s3://bucket/sv/b2");

      const search = async (query: Body) => {
        const response = await get("model-versions/search", query);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        return response.body;
      };
      // Default order: last_updated_timestamp DESC, name ASC, version_number DESC.
      expect(versions((await search({ filter: "name LIKE 'sv-%'" })).model_versions)).toEqual([
        "sv-b/2",
        "sv-b/1",
        "sv-a/3",
        "sv-a/2",
        "sv-a/1",
      ]);
      expect(
        versions(
          (await search({ filter: "name = 'sv-a'", order_by: ["version_number ASC"] })).model_versions,
        ),
      ).toEqual(["sv-a/1", "sv-a/2", "sv-a/3"]);
      expect(
        versions((await search({ filter: `run_id IN ('${runA}')`, order_by: ["name"] })).model_versions),
      ).toEqual(["sv-a/1", "sv-b/1"]);
      expect(versions((await search({ filter: `run_id = '${runB}'` })).model_versions)).toEqual(["sv-a/2"]);
      expect(
        versions(
          (await search({ filter: "name = 'sv-a' and version_number >= 2", order_by: ["version_number"] }))
            .model_versions,
        ),
      ).toEqual(["sv-a/2", "sv-a/3"]);
      expect(
        versions(
          (await search({ filter: "name LIKE 'sv-%' and version_number < 1.5", order_by: ["name"] }))
            .model_versions,
        ),
      ).toEqual(["sv-a/1", "sv-b/1"]);
      expect(
        versions((await search({ filter: "tags.kind = 'tree'", order_by: ["name DESC"] })).model_versions),
      ).toEqual(["sv-b/1", "sv-a/1"]);
      expect(
        versions((await search({ filter: "name ILIKE 'SV-A' and tags.kind != 'tree'" })).model_versions),
      ).toEqual(["sv-a/2"]);
      expect(
        versions(
          (await search({ filter: "source_path LIKE 's3://bucket/sv/%'", order_by: ["name"] }))
            .model_versions,
        ),
      ).toEqual(["sv-a/3", "sv-b/2"]);

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await search({
          filter: "name LIKE 'sv-%'",
          order_by: ["name", "version_number"],
          max_results: 2,
          ...(token ? { page_token: token } : {}),
        });
        seen.push(...versions(page.model_versions));
        token = page.next_page_token;
        pages++;
      } while (token);
      expect([pages, seen]).toEqual([3, ["sv-a/1", "sv-a/2", "sv-a/3", "sv-b/1", "sv-b/2"]]);

      const bad = (query: Body) => get("model-versions/search", query);
      expect((await bad({ filter: "current_stage = 'None'" })).body).toEqual({
        error_code: "INVALID_PARAMETER_VALUE",
        message:
          "Invalid attribute key 'current_stage' specified. Valid keys are 'name', 'run_id', 'source_path', 'version_number'",
      });
      expect((await bad({ filter: "run_id NOT IN ('a')" })).status).toBe(400);
      expect((await bad({ filter: "version_number = 'one'" })).status).toBe(400);
      expect((await bad({ max_results: 200_001 })).status).toBe(400);
      expect((await bad({ page_token: "###" })).status).toBe(400);
    });
  });

  describe("prompts (MLflow 3)", () => {
    it("hides prompt-tagged models and versions unless the filter asks for them", async () => {
      const prompt = { key: "mlflow.prompt.is_prompt", value: "true" };
      await newModel("pr-model");
      await newModel("pr-prompt", { tags: [prompt] });
      await newVersion("pr-model", "s3://bucket/pr/1");
      await newVersion("pr-model", "s3://bucket/pr/2", { tags: [prompt] });
      await newModel("pr-other");
      await newVersion("pr-other", "s3://bucket/pr/o");
      const models = async (filter: string) =>
        names((await get("registered-models/search", { filter })).body.registered_models);
      const found = async (filter: string) =>
        versions((await get("model-versions/search", { filter, order_by: "name" })).body.model_versions);
      // What MLflow 3's client sends for search_registered_models("name LIKE 'pr-%'").
      expect(await models("name LIKE 'pr-%' AND tag.`mlflow.prompt.is_prompt` != 'true'")).toEqual([
        "pr-model",
        "pr-other",
      ]);
      expect(await models("name LIKE 'pr-%'")).toEqual(["pr-model", "pr-other"]);
      expect(await models("name LIKE 'pr-%' and tags.`mlflow.prompt.is_prompt` = 'true'")).toEqual([
        "pr-prompt",
      ]);
      expect(await found("name LIKE 'pr-%'")).toEqual(["pr-other/1"]);
      expect(await found("name LIKE 'pr-%' and tags.`mlflow.prompt.is_prompt` = 'true'")).toEqual([
        "pr-model/2",
      ]);
    });
  });

  describe("audit log", () => {
    it("records who did what, when, before → after, newest first, per model and per version", async () => {
      const t0 = Date.now();
      await post("registered-models/create", { name: "au-model", description: "d", user_id: "ada" });
      // A rename to the same name is answered and changes nothing: no entry below.
      expect(
        (await post("registered-models/rename", { name: "au-model", new_name: "au-model" })).status,
      ).toBe(200);
      await as("bob", "POST", "model-versions/create", { name: "au-model", source: "s3://bucket/au/1" });
      await as("bob", "POST", "model-versions/create", { name: "au-model", source: "s3://bucket/au/2" });
      await post("registered-models/alias", { name: "au-model", alias: "champion", version: "1" });
      await as("carol", "POST", "registered-models/alias", {
        name: "au-model",
        alias: "champion",
        version: "2",
      });
      await post("model-versions/transition-stage", {
        name: "au-model",
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
        user_id: "dan",
      });
      await post("model-versions/transition-stage", {
        name: "au-model",
        version: "2",
        stage: "Production",
        archive_existing_versions: true,
        user_id: "dan",
      });
      await as("erin", "DELETE", "model-versions/delete", { name: "au-model", version: "2" });

      const log = await gyre("audit", { name: "au-model" });
      expect(log.status).toBe(200);
      const entries = log.body.entries as { id: number; timestamp: number }[];
      const ids = entries.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      for (const entry of entries) expectDuring(entry.timestamp, t0);
      const at = (i: number) => ({ id: entries[i]!.id, timestamp: entries[i]!.timestamp });
      expect(log.body).toEqual({
        entries: [
          {
            ...at(0),
            name: "au-model",
            version: "2",
            action: "delete_version",
            actor: "erin",
            before: { stage: "Production", source: "s3://bucket/au/2", aliases: ["champion"] },
          },
          {
            ...at(1),
            name: "au-model",
            version: "1",
            action: "transition_stage",
            actor: "dan",
            before: { stage: "Production" },
            after: { stage: "Archived", archived_by: "2" },
          },
          {
            ...at(2),
            name: "au-model",
            version: "2",
            action: "transition_stage",
            actor: "dan",
            before: { stage: "None" },
            after: { stage: "Production" },
          },
          {
            ...at(3),
            name: "au-model",
            version: "1",
            action: "transition_stage",
            actor: "dan",
            before: { stage: "None" },
            after: { stage: "Production" },
          },
          {
            ...at(4),
            name: "au-model",
            version: "2",
            action: "set_alias",
            actor: "carol",
            before: { alias: "champion", version: "1" },
            after: { alias: "champion", version: "2" },
          },
          {
            ...at(5),
            name: "au-model",
            version: "1",
            action: "set_alias",
            actor: "unknown",
            after: { alias: "champion", version: "1" },
          },
          {
            ...at(6),
            name: "au-model",
            version: "2",
            action: "create_version",
            actor: "bob",
            after: { source: "s3://bucket/au/2", run_id: null, stage: "None" },
          },
          {
            ...at(7),
            name: "au-model",
            version: "1",
            action: "create_version",
            actor: "bob",
            after: { source: "s3://bucket/au/1", run_id: null, stage: "None" },
          },
          {
            ...at(8),
            name: "au-model",
            action: "create_model",
            actor: "ada",
            after: { description: "d" },
          },
        ],
      });
      // The creator is recorded on the version too (MLflow's ModelVersion.user_id).
      expect(
        (await get("model-versions/get", { name: "au-model", version: "1" })).body.model_version.user_id,
      ).toBe("bob");

      const v1 = await gyre("audit", { name: "au-model", version: "1" });
      // Version 1's history includes champion moving away from it (an entry filed under version 2).
      expect(v1.body.entries).toEqual([1, 3, 4, 5, 7].map((i) => log.body.entries[i]));
      expect(v1.body.entries[2]).toMatchObject({ version: "2", before: { version: "1" } });
      const page = await gyre("audit", { name: "au-model", max_results: 4 });
      expect(page.body.entries).toEqual(log.body.entries.slice(0, 4));
      const rest = await gyre("audit", {
        name: "au-model",
        max_results: 10,
        page_token: page.body.next_page_token,
      });
      expect(rest.body).toEqual({ entries: log.body.entries.slice(4) });
    });

    it("follows a model through a rename and outlives its deletion", async () => {
      await newModel("au-before");
      await post("registered-models/set-tag", { name: "au-before", key: "k", value: "1" });
      await post("registered-models/rename", { name: "au-before", new_name: "au-after" });
      await post("registered-models/set-tag", { name: "au-after", key: "k", value: "2" });
      await del("registered-models/delete-tag", { name: "au-after", key: "k" });
      await patch("registered-models/update", { name: "au-after", description: "gone soon" });
      await del("registered-models/delete", { name: "au-after" });

      const log = await gyre("audit", { name: "au-after" });
      expect(
        log.body.entries.map((e: { name: string; action: string; before?: unknown; after?: unknown }) => [
          e.name,
          e.action,
          e.before,
          e.after,
        ]),
      ).toEqual([
        ["au-after", "delete_model", { description: "gone soon", versions: [], aliases: {} }, undefined],
        ["au-after", "update_model", { description: null }, { description: "gone soon" }],
        ["au-after", "delete_model_tag", { key: "k", value: "2" }, undefined],
        ["au-after", "set_model_tag", { key: "k", value: "1" }, { key: "k", value: "2" }],
        ["au-after", "rename_model", { name: "au-before" }, { name: "au-after" }],
        ["au-before", "set_model_tag", undefined, { key: "k", value: "1" }],
        ["au-before", "create_model", undefined, { description: null }],
      ]);
      expect((await gyre("audit", { name: "au-before" })).body).toEqual(log.body);
      expect(await gyre("audit", { name: "au-never" })).toEqual({
        status: 404,
        body: {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=au-never not found",
        },
      });
      expect((await gyre("audit", { name: "au-after", version: "x" })).status).toBe(400);
    });

    it("keeps a deleted model's entries, its deletion included, under the name when a new model takes it", async () => {
      await newModel("au-reused");
      await del("registered-models/delete", { name: "au-reused" });
      await newModel("au-reused");
      // A live model renamed away from a name is not that name's history: it has its own.
      await newModel("au-moved");
      await post("registered-models/rename", { name: "au-moved", new_name: "au-elsewhere" });
      await newModel("au-moved");
      const actions = async (name: string) =>
        (await gyre("audit", { name })).body.entries.map((e: { name: string; action: string }) => [
          e.name,
          e.action,
        ]);
      expect(await actions("au-reused")).toEqual([
        ["au-reused", "create_model"],
        ["au-reused", "delete_model"],
        ["au-reused", "create_model"],
      ]);
      expect(await actions("au-moved")).toEqual([["au-moved", "create_model"]]);
      expect(await actions("au-elsewhere")).toEqual([
        ["au-elsewhere", "rename_model"],
        ["au-moved", "create_model"],
      ]);
    });
  });

  describe("the Python client's flows (spec §4.6)", () => {
    it("register_model: create (tolerating RESOURCE_ALREADY_EXISTS), runs/get, model-versions/create", async () => {
      const runId = await newRun();
      await upload(
        `${experimentId}/${runId}/artifacts/model/MLmodel`,
        "flavors:\n  onnx:\n    onnx_version: 1.16.0\n",
      );
      await upload(`${experimentId}/${runId}/artifacts/model/model.onnx`, "bytes");

      const register = async (firstTime: boolean) => {
        const created = await post("registered-models/create", { name: "py-model" });
        if (firstTime) expect(created.status).toBe(200);
        else {
          // mlflow.register_model tolerates exactly this answer and carries on.
          expect(created).toEqual({
            status: 400,
            body: {
              error_code: "RESOURCE_ALREADY_EXISTS",
              message: "Registered Model (name=py-model) already exists.",
            },
          });
        }
        const run = await get("runs/get", { run_id: runId });
        const source = `${run.body.run.info.artifact_uri}/model`;
        expect(source).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`);
        const version = await post("model-versions/create", { name: "py-model", source, run_id: runId });
        expect(version.status).toBe(200);
        return version.body.model_version;
      };
      const first = await register(true);
      const second = await register(false);
      expect([first.version, first.status, first.run_id, first.gyre_format]).toEqual([
        "1",
        "READY",
        runId,
        "onnx",
      ]);
      expect([second.version, second.status, second.run_id]).toEqual(["2", "READY", runId]);
    });

    it("load by alias: registered-models/alias GET, get-download-uri, then the proxy lists the files", async () => {
      const runId = await newRun();
      const mlmodel = "flavors:\n  onnx: {}\n";
      await upload(`${experimentId}/${runId}/artifacts/model/MLmodel`, mlmodel);
      await newModel("py-load");
      await newVersion("py-load", `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`, {
        run_id: runId,
      });
      expect(
        await post("registered-models/alias", { name: "py-load", alias: "champion", version: "1" }),
      ).toEqual({
        status: 200,
        body: {},
      });

      const byAlias = await get("registered-models/alias", { name: "py-load", alias: "champion" });
      expect(byAlias.status).toBe(200);
      const { name, version } = byAlias.body.model_version;
      expect([name, version]).toEqual(["py-load", "1"]);
      const uri = await get("model-versions/get-download-uri", { name, version });
      expect(uri).toEqual({
        status: 200,
        body: { artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model` },
      });
      const listing = await fetch(
        `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts/model`,
      );
      expect(await listing.json()).toEqual({
        files: [{ path: "MLmodel", is_dir: false, file_size: Buffer.byteLength(mlmodel) }],
      });
    });

    it("serves the registry under /ajax-api too", async () => {
      await newModel("py-ajax");
      const viaAjax = await server.call("GET", "/ajax-api/2.0/mlflow/registered-models/get", {
        name: "py-ajax",
      });
      expect(viaAjax.status).toBe(200);
      expect(viaAjax.body.registered_model.name).toBe("py-ajax");
    });
  });
});
