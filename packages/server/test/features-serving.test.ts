import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataEngine } from "@gyre/data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeModelDir } from "../../serving/src/index.js";
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
      job = (await (await fetch(`${base}/api/2.0/gyre/features/materialize/get?job_id=${job.job_id}`)).json())
        .job;
    }
    expect(job.status).toBe("SUCCEEDED");

    const model = await mkdtemp(join(tmpdir(), "gyre-feature-model-"));
    await writeModelDir(model, { onnxBytes: onnx(versionGraph("1")) });
    for (const name of await readdir(model)) {
      const put = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/models/churn/v1/${name}`, {
        method: "PUT",
        body: await readFile(join(model, name)),
      });
      expect(put.status).toBe(200);
    }
    await rm(model, { recursive: true, force: true });
    expect((await call("/api/2.0/mlflow/registered-models/create", { name: "churn" })).status).toBe(200);
    expect(
      (
        await call("/api/2.0/mlflow/model-versions/create", {
          name: "churn",
          source: "mlflow-artifacts:/models/churn/v1",
        })
      ).status,
    ).toBe(200);
    const created = await call("/api/2.0/gyre/deployments/create", {
      name: "churn-live",
      spec: { arms: [{ model_uri: "models:/churn/1", weight: 1 }], feature_service: "scoring" },
    });
    expect(created.status).toBe(200);
  });
  afterAll(() => dispose());

  it("fetches the service's features for entity keys before the model runs", async () => {
    const answer = await call("/serving/churn-live/invocations", {
      dataframe_records: [{ driver_id: 1 }, { driver_id: 2 }],
    });
    expect(answer.status).toBe(200);
    // Records in, records out (MLflow's DataFrame orientation).
    const predictions = answer.body.predictions as { probability: number }[];
    expect(predictions).toHaveLength(2);
    for (const [i, driver] of [1, 2].entries()) {
      const row = FEATURES.map((_, f) => (driver + f) / 10);
      expect(predictions[i]!.probability).toBeCloseTo(expectedProbability("1", row), 5);
    }
  });

  it("answers 400 naming the field for a bad key, and explains the body it expects", async () => {
    const bad = await call("/serving/churn-live/invocations", { dataframe_records: [{ driver_id: "one" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('entities.0.driver_id: must be an integer (a JSON number), got "one"');
    const wrong = await call("/serving/churn-live/invocations", { inputs: [[1, 2]] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain('send the entity keys as {"dataframe_records"');
  });
});
