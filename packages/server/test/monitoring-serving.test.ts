import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeModelDir } from "../../serving/src/index.js";
import { onnx } from "../../serving/test/support/models.js";
import { versionGraph } from "../../serving/test/support/versions.js";
import type { Gyre } from "../src/index.js";
import { type ScratchStore, scratchSqliteStore } from "../src/testing/index.js";
import { postJson, registerModelDir, startServingGyre } from "./monitoring-support.js";

/**
 * A prediction store that cannot be written (its directory lies under a regular file) must cost
 * the deployment nothing: every request is answered, and the lost log entries are counted in
 * /metrics rather than retried without bound.
 */
describe("prediction logging never fails a request", () => {
  let store: ScratchStore;
  let gyre: Gyre;
  let url: string;

  beforeAll(async () => {
    store = scratchSqliteStore("gyre-mon-serving-");
    ({ gyre, url } = await startServingGyre(store, {
      predictionStoreUri: `parquet://${store.uri.replace("sqlite:///", "")}/predictions`,
    }));
    const dir = await mkdtemp(join(tmpdir(), "gyre-mon-serving-model-"));
    await writeModelDir(dir, { onnxBytes: onnx(versionGraph("1")) });
    await postJson(url, "/api/2.0/mlflow/registered-models/create", { name: "m" });
    await registerModelDir(url, "m", "1", dir);
    await rm(dir, { recursive: true, force: true });
    const created = await postJson(url, "/api/2.0/gyre/deployments/create", {
      name: "m-prod",
      spec: { arms: [{ model_uri: "models:/m/1", weight: 1 }] },
    });
    expect(created.status).toBe(200);
  });
  afterAll(async () => {
    await gyre?.close();
    await store?.dispose();
  });

  it("answers every request and counts the entries it could not write", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${url}/serving/m-prod/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ inputs: [new Array(20).fill(0)] }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    await gyre.monitoring.flush();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^gyre_prediction_log_failed_total 6$/m);
    expect(metrics).toMatch(/^gyre_prediction_log_written_total 0$/m);
    expect(metrics).toMatch(/^gyre_prediction_log_dropped_total 0$/m);
  });
});
