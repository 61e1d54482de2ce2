import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureToMlflow } from "../../core/src/index.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { batchFromColumns, ModelRuntime, readModelDir } from "../../serving/src/index.js";
import { Gyre, GyreError, type ModelVersion, type Run } from "../src/index.js";
import { featureNames, logregOnnx, logregSignature } from "./support/logreg-model.js";
import { recordingFetch } from "./support/recording-fetch.js";

const FEATURES = 4;
const ONNX = logregOnnx(FEATURES);
const SIGNATURE = logregSignature(FEATURES);
const EXAMPLE = { columns: featureNames(FEATURES), data: [[0, 1, 2, 3]] };

let server: TestServer;
let work: string;
let recorder: ReturnType<typeof recordingFetch>;
let gyre: Gyre;
let run: Run;
let modelUri: string;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  work = mkdtempSync(join(tmpdir(), "gyre-sdk-models-"));
  recorder = recordingFetch();
  gyre = new Gyre({ trackingUri: server.baseUrl, user: "ada", fetch: recorder.fetch });
  run = await gyre.startRun({ experiment: "churn", name: "train" });
  run.logMetric("auc", 0.875);
  await run.flush();
  modelUri = await run.logModel(ONNX, {
    signature: SIGNATURE,
    inputExample: EXAMPLE,
    metadata: { trained_by: "ada" },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

function sorted(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

async function download(path: string): Promise<Buffer> {
  const file = join(work, `dl-${Math.random()}`);
  await run.downloadArtifact(path, file);
  return readFileSync(file);
}

describe("run.logModel", () => {
  it("writes a Gyre model directory under the run's artifacts and returns its runs:/ URI", async () => {
    expect(modelUri).toBe(`runs:/${run.id}/model`);
    expect((await run.listArtifacts("model")).map((f) => [f.path, f.is_dir])).toEqual([
      ["model/MLmodel", false],
      ["model/gyre-model.json", false],
      ["model/input_example.json", false],
      ["model/model.onnx", false],
    ]);
    expect(new Uint8Array(await download("model/model.onnx"))).toEqual(ONNX);
    expect(JSON.parse((await download("model/gyre-model.json")).toString())).toEqual({
      format: "onnx",
      model_file: "model.onnx",
      signature: { inputs: SIGNATURE.inputs, outputs: SIGNATURE.outputs },
      input_example: EXAMPLE,
      metadata: { trained_by: "ada" },
    });
    expect(JSON.parse((await download("model/input_example.json")).toString())).toEqual(EXAMPLE);
  });

  it("records the model with runs/log-model, as MLflow's model_json, identical to the MLmodel written", async () => {
    const tags = (await gyre.getRun(run.id)).data.tags ?? [];
    const history = JSON.parse(tags.find((t) => t.key === "mlflow.log-model.history")!.value) as unknown[];
    const mlmodel = JSON.parse((await download("model/MLmodel")).toString()) as Record<string, unknown>;
    expect(history).toEqual([mlmodel]);
    expect(mlmodel).toEqual({
      artifact_path: "model",
      flavors: {
        onnx: { providers: ["CPUExecutionProvider"], code: null, data: "model.onnx" },
        python_function: { loader_module: "mlflow.onnx", data: "model.onnx" },
        gyre: { format: "onnx", manifest: "gyre-model.json", model_file: "model.onnx" },
      },
      run_id: run.id,
      utc_time_created: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/),
      model_uuid: expect.stringMatching(/^[0-9a-f]{32}$/),
      signature: signatureToMlflow(SIGNATURE),
      saved_input_example_info: {
        artifact_path: "input_example.json",
        type: "dataframe",
        pandas_orient: "split",
      },
      metadata: { trained_by: "ada" },
    });
    expect(JSON.parse((mlmodel.signature as { inputs: string }).inputs)[0]).toEqual({
      type: "double",
      name: "x0",
      required: true,
    });
  });

  it("takes a Gyre model directory and an ONNX file, keeping their files and merging metadata", async () => {
    const dir = join(work, "from-dir");
    await gyre.downloadModel(modelUri, dir);
    writeFileSync(join(dir, "notes.txt"), "kept");
    const other = await gyre.startRun({ experiment: "churn" });
    const uri = await other.logModel(dir, { artifactPath: "packed/model", metadata: { stage: "dev" } });
    expect(uri).toBe(`runs:/${other.id}/packed/model`);
    const copy = await gyre.downloadModel(uri, join(work, "from-dir-copy"));
    expect(sorted(copy)).toEqual([
      "MLmodel",
      "gyre-model.json",
      "input_example.json",
      "model.onnx",
      "notes.txt",
    ]);
    expect(JSON.parse(readFileSync(join(copy, "gyre-model.json"), "utf8")).metadata).toEqual({
      trained_by: "ada",
      stage: "dev",
    });

    const file = join(work, "churn.onnx");
    writeFileSync(file, ONNX);
    const fromFile = await gyre.downloadModel(
      await other.logModel(file, { artifactPath: "raw" }),
      join(work, "raw"),
    );
    expect(sorted(fromFile)).toEqual(["MLmodel", "gyre-model.json", "model.onnx"]);
    expect(JSON.parse(readFileSync(join(fromFile, "gyre-model.json"), "utf8"))).toEqual({
      format: "onnx",
      model_file: "model.onnx",
    });
    await other.end();
  });

  it("takes an MLflow model directory with an onnx flavor, keeping its flavors, files and example", async () => {
    const dir = join(work, "mlflow-model");
    mkdirSync(dir);
    writeFileSync(join(dir, "weights.onnx"), ONNX);
    writeFileSync(join(dir, "conda.yaml"), "name: mlflow-env\n");
    writeFileSync(join(dir, "input_example.json"), JSON.stringify(EXAMPLE));
    writeFileSync(
      join(dir, "MLmodel"),
      [
        "artifact_path: model",
        "flavors:",
        "  onnx:",
        "    code: null",
        "    data: weights.onnx",
        "    onnx_version: 1.16.1",
        "    providers:",
        "    - CPUExecutionProvider",
        "  python_function:",
        "    data: weights.onnx",
        "    env:",
        "      conda: conda.yaml",
        "    loader_module: mlflow.onnx",
        "mlflow_version: 2.16.2",
        "run_id: 5d2e7c",
        "saved_input_example_info:",
        "  artifact_path: input_example.json",
        "  pandas_orient: split",
        "  type: dataframe",
        "signature:",
        `  inputs: '[{"type": "double", "name": "x0", "required": true}, {"type": "double", "name":`,
        `    "x1", "required": true}, {"type": "double", "name": "x2", "required": true}, {"type":`,
        `    "double", "name": "x3", "required": true}]'`,
        "  outputs: null",
        "  params: null",
        "utc_time_created: '2024-09-01 10:00:00.000000'",
        "",
      ].join("\n"),
    );
    const other = await gyre.startRun({ experiment: "churn" });
    const copy = await gyre.downloadModel(await other.logModel(dir), join(work, "mlflow-copy"));
    expect(sorted(copy)).toEqual([
      "MLmodel",
      "conda.yaml",
      "gyre-model.json",
      "input_example.json",
      "weights.onnx",
    ]);
    expect(JSON.parse(readFileSync(join(copy, "gyre-model.json"), "utf8"))).toEqual({
      format: "onnx",
      model_file: "weights.onnx",
      signature: { inputs: SIGNATURE.inputs, outputs: [] },
      input_example: EXAMPLE,
    });
    const mlmodel = JSON.parse(readFileSync(join(copy, "MLmodel"), "utf8"));
    expect(mlmodel.flavors).toEqual({
      onnx: { providers: ["CPUExecutionProvider"], code: null, onnx_version: "1.16.1", data: "weights.onnx" },
      python_function: { data: "weights.onnx", env: { conda: "conda.yaml" }, loader_module: "mlflow.onnx" },
      gyre: { format: "onnx", manifest: "gyre-model.json", model_file: "weights.onnx" },
    });
    expect([mlmodel.run_id, mlmodel.mlflow_version, mlmodel.saved_input_example_info]).toEqual([
      other.id,
      "2.16.2",
      { artifact_path: "input_example.json", pandas_orient: "split", type: "dataframe" },
    ]);
    expect((await readModelDir(copy)).signature).toEqual({ inputs: SIGNATURE.inputs, outputs: [] });
    await other.end();
  });

  it("refuses sources that are no model, and signatures the manifest schema refuses", async () => {
    const empty = join(work, "empty");
    mkdirSync(empty);
    const failures = await Promise.all([
      run.logModel(join(work, "missing.onnx")).catch((e: unknown) => e),
      run.logModel(empty).catch((e: unknown) => e),
      run
        .logModel(ONNX, { signature: { inputs: [{ name: "x", type: "decimal" as "double" }], outputs: [] } })
        .catch((e: unknown) => e),
    ]);
    expect(failures.map((e) => [(e as GyreError).code, (e as GyreError).message])).toEqual([
      ["INVALID_PARAMETER_VALUE", `No such ONNX file or model directory: ${join(work, "missing.onnx")}`],
      [
        "INVALID_PARAMETER_VALUE",
        `${empty} is not a model directory: it has neither gyre-model.json nor MLmodel (pass the ONNX file itself instead)`,
      ],
      [
        "INVALID_PARAMETER_VALUE",
        "Invalid model: signature.inputs.0.type: unsupported column type 'decimal'",
      ],
    ]);
  });
});

describe("the model registry through the SDK", () => {
  let first: ModelVersion;
  let second: ModelVersion;
  beforeAll(async () => {
    first = await gyre.registerModel(modelUri, "churn", { tags: { team: "ml" }, description: "first cut" });
    // The model exists now: RESOURCE_ALREADY_EXISTS is tolerated and the next version created.
    second = await gyre.registerModel(modelUri, "churn");
  });

  it("registers versions from runs:/ URIs with the manifest and the run's metrics", () => {
    expect(first).toEqual({
      name: "churn",
      version: "1",
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: first.creation_timestamp,
      user_id: "ada",
      current_stage: "None",
      description: "first cut",
      source: modelUri,
      run_id: run.id,
      status: "READY",
      tags: [{ key: "team", value: "ml" }],
      gyre_format: "onnx",
      gyre_signature: JSON.stringify({ inputs: SIGNATURE.inputs, outputs: SIGNATURE.outputs }),
      gyre_input_example: JSON.stringify(EXAMPLE),
      gyre_run_metrics: [{ key: "auc", value: 0.875 }],
    });
    expect([second.version, second.source, second.description]).toEqual(["2", modelUri, undefined]);
  });

  it("reads versions back exactly as registered, by number, alias and search", async () => {
    expect(await gyre.getModelVersion("churn", 1)).toEqual(first);
    await gyre.setAlias("churn", "champion", 1);
    const withAlias = { ...first, aliases: ["champion"] };
    expect(await gyre.getModelVersionByAlias("churn", "champion")).toEqual(withAlias);
    expect(
      await gyre.searchModelVersions({ filter: "name = 'churn'", orderBy: ["version_number ASC"] }),
    ).toEqual([withAlias, second]);
    const [model] = await gyre.listRegisteredModels({ filter: "name LIKE 'ch%'" });
    expect(model).toEqual(await gyre.getRegisteredModel("churn"));
    expect([model?.name, model?.aliases]).toEqual(["churn", [{ alias: "champion", version: "1" }]]);
  });

  it("resolves models:/ URIs through the registry", async () => {
    const resolved = await gyre.resolveModel("models:/churn@champion");
    expect(resolved).toEqual({
      name: "churn",
      version: "1",
      source: modelUri,
      download_uri: `mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts/model`,
      format: "onnx",
      signature: first.gyre_signature,
    });
    expect((await gyre.resolveModel("models:/churn/latest")).version).toBe("2");
  });

  it("moves aliases and stages, and the audit log names the SDK's user for every change", async () => {
    await gyre.setAlias("churn", "champion", 2);
    const staged = await gyre.transitionModelVersionStage("churn", 2, "production");
    expect(staged.current_stage).toBe("Production");
    await gyre.deleteAlias("churn", "champion");
    const history = await gyre.modelHistory("churn");
    expect(
      history.map(({ action, version, actor, before, after }) => ({ action, version, actor, before, after })),
    ).toEqual([
      {
        action: "delete_alias",
        version: "2",
        actor: "ada",
        before: { alias: "champion", version: "2" },
        after: undefined,
      },
      {
        action: "transition_stage",
        version: "2",
        actor: "ada",
        before: { stage: "None" },
        after: { stage: "Production" },
      },
      {
        action: "set_alias",
        version: "2",
        actor: "ada",
        before: { alias: "champion", version: "1" },
        after: { alias: "champion", version: "2" },
      },
      {
        action: "set_alias",
        version: "1",
        actor: "ada",
        before: undefined,
        after: { alias: "champion", version: "1" },
      },
      {
        action: "create_version",
        version: "2",
        actor: "ada",
        before: undefined,
        after: { source: modelUri, run_id: run.id, stage: "None" },
      },
      {
        action: "create_version",
        version: "1",
        actor: "ada",
        before: undefined,
        after: { source: modelUri, run_id: run.id, stage: "None" },
      },
      expect.objectContaining({ action: "create_model", version: undefined, actor: "ada" }),
    ]);
    // Version 1's history: champion set on it, then moved away to version 2.
    expect((await gyre.modelHistory("churn", 1)).map((e) => [e.action, e.version])).toEqual([
      ["set_alias", "2"],
      ["set_alias", "1"],
      ["create_version", "1"],
    ]);
    expect(recorder.requests.every((r) => r.headers["x-gyre-user"] === "ada")).toBe(true);
  });

  it("downloads a registered version byte for byte, ready for the serving runtime", async () => {
    const dir = await gyre.downloadModel("models:/churn/1", join(work, "downloaded"));
    expect(dir).toBe(join(work, "downloaded"));
    expect(sorted(dir)).toEqual(["MLmodel", "gyre-model.json", "input_example.json", "model.onnx"]);
    for (const file of sorted(dir)) {
      expect(readFileSync(join(dir, file)).equals(await download(`model/${file}`))).toBe(true);
    }
    const runtime = await ModelRuntime.load(dir);
    try {
      const columns = Object.fromEntries(featureNames(FEATURES).map((name, i) => [name, [i, -i]]));
      const prediction = await runtime.predict(batchFromColumns(runtime.schema, columns));
      // logit = Σ (i − 2)/8 · x_i + 1/4: x = (0,1,2,3) gives 0.5, its negation 0; ORT's float32
      // sigmoid is within an ulp of the float64 formula.
      const probabilities = Array.from(prediction.outputs[0]!.data as Float32Array);
      [0.5, 0].forEach((z, i) => {
        expect(Math.abs(probabilities[i]! - 1 / (1 + Math.exp(-z)))).toBeLessThan(2 ** -23);
      });
    } finally {
      await runtime.release();
    }
  });

  it("reports unknown models and bad URIs with the server's error codes", async () => {
    const errors = await Promise.all([
      gyre.resolveModel("models:/nope/1").catch((e: unknown) => e),
      gyre.downloadModel("models:/churn@missing", join(work, "never")).catch((e: unknown) => e),
      gyre.registerModel("runs:/", "churn").catch((e: unknown) => e),
    ]);
    expect(errors.map((e) => (e instanceof GyreError ? e.code : String(e)))).toEqual([
      "RESOURCE_DOES_NOT_EXIST",
      "INVALID_PARAMETER_VALUE",
      "INVALID_PARAMETER_VALUE",
    ]);
  });
});
