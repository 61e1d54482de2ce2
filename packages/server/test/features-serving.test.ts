import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataEngine } from "@gyre/data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelSignature, writeModelDir } from "../../serving/src/index.js";
import { onnx } from "../../serving/test/support/models.js";
import { expectedProbability, versionGraph } from "../../serving/test/support/versions.js";
import type { Gyre } from "../src/index.js";
import { postJson, startServingGyre } from "../src/testing/index.js";
import { sqliteBackend } from "./support/backends.js";

/**
 * A deployment naming a feature service: requests carry only entity keys, the server reads the
 * service's 20 features from the online store and the model (a 20-input logistic regression)
 * answers as if the feature values had been sent. SQLite only: the feature store's backends are
 * covered by features.test.ts and the online-store conformance suite.
 */
const FEATURES = Array.from({ length: 20 }, (_, i) => `f${i}`);
type Body = Record<string, unknown>;

describe("serving with a feature service", () => {
  let gyre: Gyre;
  let base: string;
  let dir: string;
  let dispose: () => Promise<void>;
  const call = (path: string, body: Body) => postJson(base, path, body);

  beforeAll(async () => {
    const store = await sqliteBackend.create();
    dir = await mkdtemp(join(tmpdir(), "gyre-feature-serving-"));
    const engine = await DataEngine.open({ allowedDirectories: [dir] });
    // Driver d's feature i is (d + i) / 10, at one time; driver 3 has none.
    await engine.run(
      `COPY (SELECT d::BIGINT AS driver_id, TIMESTAMP '2024-06-01' AS event_timestamp, ${FEATURES.map((f, i) => `(d + ${i}) / 10.0 AS ${f}`).join(", ")} FROM range(1, 3) t(d)) TO '${join(dir, "stats.parquet")}' (FORMAT parquet)`,
    );
    engine.close();
    ({ gyre, url: base } = await startServingGyre(store));
    dispose = async () => {
      await gyre.close();
      await store.dispose();
      await rm(dir, { recursive: true, force: true });
    };
    const applied = await call("/api/2.0/gyre/features/apply", {
      repository: {
        entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }],
        sources: [{ name: "stats", path: join(dir, "stats.parquet") }],
        feature_views: [
          {
            name: "stats",
            entities: ["driver"],
            source: "stats",
            features: FEATURES.map((name) => ({ name, type: "float64" })),
          },
        ],
        feature_services: [{ name: "scoring", features: ["stats:*"] }],
      },
    });
    expect(applied.status).toBe(200);
    let { job } = (
      await call("/api/2.0/gyre/features/materialize", {
        start: "2024-01-01T00:00:00Z",
        end: "2025-01-01T00:00:00Z",
      })
    ).body;
    while (job.status === "RUNNING") {
      await new Promise((r) => setTimeout(r, 20));
      const answer = await fetch(`${base}/api/2.0/gyre/features/materialize/get?job_id=${job.job_id}`);
      job = ((await answer.json()) as { job: typeof job }).job;
    }
    expect(job.status).toBe("SUCCEEDED");

    // Version 1 takes the graph's own [N, 20] tensor; version 2 declares a column per feature.
    const columns: ModelSignature = {
      inputs: FEATURES.map((name) => ({ name, type: "double" as const })),
      outputs: [{ name: "probability", type: "float32", shape: [-1, 1] }],
    };
    for (const [version, signature] of [
      ["1", undefined],
      ["2", columns],
    ] as const) {
      const model = await mkdtemp(join(tmpdir(), "gyre-feature-model-"));
      await writeModelDir(model, { onnxBytes: onnx(versionGraph("1")), ...(signature ? { signature } : {}) });
      for (const name of await readdir(model)) {
        const put = await fetch(
          `${base}/api/2.0/mlflow-artifacts/artifacts/models/churn/v${version}/${name}`,
          {
            method: "PUT",
            body: await readFile(join(model, name)),
          },
        );
        expect(put.status).toBe(200);
      }
      await rm(model, { recursive: true, force: true });
      if (version === "1") {
        expect((await call("/api/2.0/mlflow/registered-models/create", { name: "churn" })).status).toBe(200);
      }
      const source = `mlflow-artifacts:/models/churn/v${version}`;
      expect((await call("/api/2.0/mlflow/model-versions/create", { name: "churn", source })).status).toBe(
        200,
      );
    }
    for (const [name, version] of [
      ["churn-live", 1],
      ["churn-columns", 2],
    ] as const) {
      const created = await call("/api/2.0/gyre/deployments/create", {
        name,
        spec: { arms: [{ model_uri: `models:/churn/${version}`, weight: 1 }], feature_service: "scoring" },
      });
      expect(created.status).toBe(200);
    }
  });
  afterAll(() => dispose());

  const INVOCATIONS = "/serving/churn-live/invocations";
  const INFER = "/serving/churn-live/v2/models/churn-live/infer";
  /** The model's probability for a driver, had the client sent its 20 features. */
  const expected = (driver: number) =>
    expectedProbability(
      "1",
      FEATURES.map((_, f) => (driver + f) / 10),
    );

  it("fetches the service's features for entity keys before the model runs", async () => {
    const answer = await call(INVOCATIONS, { dataframe_records: [{ driver_id: 1 }, { driver_id: 2 }] });
    expect(answer.status).toBe(200);
    // Records in, records out (MLflow's DataFrame orientation).
    const predictions = answer.body.predictions as { probability: number }[];
    expect(predictions).toHaveLength(2);
    for (const [i, driver] of [1, 2].entries())
      expect(predictions[i]!.probability).toBeCloseTo(expected(driver), 5);
  });

  it("takes the keys in every MLflow form, answering as the model answers that form", async () => {
    const records = (await call(INVOCATIONS, { dataframe_records: [{ driver_id: 2 }, { driver_id: 1 }] }))
      .body.predictions as { probability: number }[];
    const reference = records.map((r) => r.probability);
    for (const [i, driver] of [2, 1].entries()) expect(reference[i]).toBeCloseTo(expected(driver), 5);

    // A DataFrame in (split, with pandas' index): records out, the very same numbers.
    const split = await call(INVOCATIONS, {
      dataframe_split: { index: [7, 8], columns: ["driver_id"], data: [[2], [1]] },
    });
    expect(split.status).toBe(200);
    expect(split.body.predictions).toEqual(records);
    // Tensor forms in: MLflow's dict of outputs out, one [1] row per entity.
    const tensors = { probability: reference.map((p) => [p]) };
    for (const body of [
      { instances: [{ driver_id: 2 }, { driver_id: 1 }] },
      { inputs: { driver_id: [2, 1] } },
    ]) {
      const answer = await call(INVOCATIONS, body);
      expect(answer.status).toBe(200);
      expect(answer.body.predictions).toEqual(tensors);
    }
    // KServe V1 takes the same instances.
    const v1 = await call("/serving/churn-live/v1/models/churn-live:predict", {
      instances: [{ driver_id: 2 }, { driver_id: 1 }],
    });
    expect(v1.status).toBe(200);
    expect(v1.body.predictions).toEqual(tensors.probability);
  });

  it("answers V2 infer with one input per key, as if the features had been sent", async () => {
    const reference = (
      await call(INVOCATIONS, { dataframe_records: [{ driver_id: 1 }, { driver_id: 2 }] })
    ).body.predictions.map((r: { probability: number }) => r.probability);
    const flat = await call(INFER, {
      id: "req-7",
      inputs: [{ name: "driver_id", datatype: "INT64", shape: [2], data: [1, 2] }],
    });
    expect(flat.status).toBe(200);
    expect(flat.body).toEqual({
      model_name: "churn-live",
      model_version: "1",
      id: "req-7",
      parameters: { request_id: expect.any(String) },
      outputs: [{ name: "probability", datatype: "FP32", shape: [2, 1], data: reference }],
    });
    for (const [i, driver] of [1, 2].entries())
      expect(flat.body.outputs[0].data[i]).toBeCloseTo(expected(driver), 5);

    // The versioned path, an [n, 1] column nested by rows, INT32, and no id (the request id answers).
    const nested = await call("/serving/churn-live/v2/models/churn-live/versions/1/infer", {
      inputs: [{ name: "driver_id", datatype: "INT32", shape: [2, 1], data: [[1], [2]] }],
    });
    expect(nested.status).toBe(200);
    expect(nested.body.outputs).toEqual(flat.body.outputs);
    expect(nested.body.model_version).toBe("1");
    expect(typeof nested.body.id).toBe("string");
    expect(nested.body.id).not.toBe("");
  });

  it("feeds a model with a column signature by feature name, in MLflow and V2 alike", async () => {
    const reference = (await call(INVOCATIONS, { dataframe_records: [{ driver_id: 1 }, { driver_id: 2 }] }))
      .body.predictions as { probability: number }[];
    // A column signature answers records whatever the form (MLflow's rule).
    for (const body of [
      { dataframe_records: [{ driver_id: 1 }, { driver_id: 2 }] },
      { inputs: { driver_id: [1, 2] } },
    ]) {
      const answer = await call("/serving/churn-columns/invocations", body);
      expect(answer.status).toBe(200);
      expect(answer.body.predictions).toEqual(reference);
    }
    const v2 = await call("/serving/churn-columns/v2/models/churn-columns/infer", {
      id: "cols",
      inputs: [{ name: "driver_id", datatype: "INT64", shape: [2], data: [1, 2] }],
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toEqual({
      model_name: "churn-columns",
      model_version: "2",
      id: "cols",
      parameters: { request_id: expect.any(String) },
      outputs: [
        { name: "probability", datatype: "FP32", shape: [2, 1], data: reference.map((r) => r.probability) },
      ],
    });
  });

  it("answers 400 naming the field for a bad key, and explains the body it expects", async () => {
    const bad = await call(INVOCATIONS, { dataframe_records: [{ driver_id: "one" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('entities.0.driver_id: must be an integer (a JSON number), got "one"');
    const wrong = await call(INVOCATIONS, { inputs: [[1, 2]] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain('send the entity keys as JSON, {"dataframe_records": [{...}]}');
  });

  const USAGE = "This deployment reads its features from a feature service: send the entity keys as JSON, ";
  const MISSING =
    "entities.1: no value for feature 'f0' of service 'scoring' (MISSING: never materialized, or an unknown entity); the model needs every feature";
  // [path, body, message]: every form's key errors are the online route's, and a row's missing
  // features stop the request instead of reaching the model as NaN.
  const failures: [string, Body, string][] = [
    [INVOCATIONS, { dataframe_records: [{ driver: 1 }] }, "entities.0.driver_id: missing join key (a int64)"],
    [
      INVOCATIONS,
      { dataframe_split: { columns: ["driver_id", "speed"], data: [[1, 2]] } },
      "entities.0.speed: not a join key or request field of the requested features (expected: driver_id)",
    ],
    [
      INVOCATIONS,
      { dataframe_split: { columns: ["driver_id"], data: [[1], [2, 3]] } },
      "dataframe_split.data.1: must be a list of 1 values, one per column",
    ],
    [
      INVOCATIONS,
      { inputs: { driver_id: [1.5] } },
      "entities.0.driver_id: must be an integer (a JSON number), got 1.5",
    ],
    [INVOCATIONS, { instances: [1, 2] }, "instances.0: must be an object of entity keys"],
    [INVOCATIONS, { dataframe_records: [{ driver_id: 1 }, { driver_id: 3 }] }, MISSING],
    [INVOCATIONS, { inputs: { driver_id: [1, 3] } }, MISSING],
    [INFER, { inputs: [{ name: "driver_id", datatype: "INT64", shape: [2], data: [1, 3] }] }, MISSING],
    [
      INFER,
      { inputs: [{ name: "driver_id", datatype: "FP32", shape: [1], data: [1] }] },
      "inputs.0.datatype: join key 'driver_id' (int64) is sent as INT64 or INT32, got \"FP32\"",
    ],
    [
      INFER,
      { inputs: [{ name: "driver_id", datatype: "INT64", shape: [1, 2], data: [1, 2] }] },
      "inputs.0.shape: a key column is [n] or [n, 1], got [1,2]",
    ],
    [
      INFER,
      { inputs: [{ name: "driver_id", datatype: "INT64", shape: [3], data: [1, 2] }] },
      "inputs.0.data: 2 values for shape [3]",
    ],
    [
      INFER,
      { inputs: [{ name: "input", datatype: "FP32", shape: [1, 20], data: new Array(20).fill(0) }] },
      "inputs.0.shape: a key column is [n] or [n, 1], got [1,20]",
    ],
    [
      INFER,
      { inputs: [{ name: "driver", datatype: "INT64", shape: [1], data: [1] }] },
      "entities.0.driver_id: missing join key (a int64)",
    ],
    [
      INFER,
      { inputs: [] },
      `${USAGE}{"inputs": [{"name": "<key>", "datatype": "INT64", "shape": [n], "data": [...]}]}.`,
    ],
    [
      "/serving/churn-live/v1/models/churn-live:predict",
      { instances: { driver_id: 1 } },
      `${USAGE}{"instances": [{...}]}.`,
    ],
    [
      INVOCATIONS,
      { dataframe_records: [{ driver_id: 1 }], inputs: { driver_id: [1] } },
      `${USAGE}{"dataframe_records": [{...}]}, {"dataframe_split": {"columns": [...], "data": [[...]]}}, {"instances": [{...}]}, {"inputs": {"<key>": [...]}}; or as CSV with a header row.`,
    ],
  ];
  it.each(failures)("answers 400 on %s for %j", async (path, body, message) => {
    const answer = await call(path, body);
    expect(answer.status).toBe(400);
    // Each protocol's own error shape: V1 and V2 {error}, MLflow's {error_code, message}.
    expect(answer.body).toEqual(
      /\/v[12]\//.test(path) ? { error: message } : { error_code: "INVALID_PARAMETER_VALUE", message },
    );
  });

  it("takes the keys as CSV (pandas' index column too), answering as for dataframe_records", async () => {
    const records = (await call(INVOCATIONS, { dataframe_records: [{ driver_id: 2 }, { driver_id: 1 }] }))
      .body.predictions;
    const csv = (body: string) =>
      fetch(`${base}${INVOCATIONS}`, { method: "POST", headers: { "content-type": "text/csv" }, body });
    for (const body of ["driver_id\n2\n1\n", ",driver_id\r\n0,2\r\n1,1\r\n"]) {
      const answer = await csv(body);
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { predictions: unknown }).predictions).toEqual(records);
    }
    // A key that is not an integer stays text, and the online read names the field and the rule.
    const bad = await csv("driver_id\nseven\n");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: expect.stringContaining("entities.0.driver_id"),
    });
    const unknownEntity = await csv("driver_id\n3\n");
    expect(unknownEntity.status).toBe(400);
    expect(((await unknownEntity.json()) as { message: string }).message).toContain(
      "entities.0: no value for feature 'f0' of service 'scoring' (MISSING",
    );
  });
});
