import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { Gyre, GyreError, registerDataset } from "../src/index.js";

/** Datasets through the SDK: upload and register, read back, and record as an MLflow run input. */
const PENGUINS = fileURLToPath(new URL("../../../../shared/data/penguins.csv", import.meta.url));

let server: TestServer;
let gyre: Gyre;

beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  gyre = new Gyre({ trackingUri: server.baseUrl });
});
afterAll(() => server.close());

describe("datasets in the SDK", () => {
  it("uploads and registers a file, reporting progress, then finds it by name@version", async () => {
    const progress: string[] = [];
    const { dataset, created } = await registerDataset(gyre.client, PENGUINS, {
      name: "penguins",
      onProgress: (p) =>
        progress.push(p.phase === "upload" ? `${p.file} ${p.bytes}/${p.totalBytes}` : p.phase),
    });
    expect(created).toBe(true);
    expect(progress.at(-2)).toBe("penguins.csv 17261/17261");
    expect(progress.at(-1)).toBe("register");
    expect(dataset).toMatchObject({
      name: "penguins",
      version: 1,
      uri: "datasets:/penguins/1",
      sourceType: "gyre",
    });
    const same = await gyre.registerDataset(PENGUINS, { name: "penguins", transfer: "path" });
    expect(same.version).toBe(1);
    expect((await gyre.getDataset("penguins@1")).digest).toBe(dataset.digest);
    await expect(gyre.getDataset("penguins@7")).rejects.toThrow(GyreError);
  });

  it("records a dataset version as an MLflow dataset input of a run", async () => {
    const dataset = await gyre.getDataset("penguins");
    const run = await gyre.startRun({ experiment: "datasets" });
    await run.logInput(dataset, { context: "training" });
    await run.end();
    const { inputs } = await gyre.getRun(run.id);
    expect(inputs.dataset_inputs).toEqual([
      {
        tags: [{ key: "mlflow.data.context", value: "training" }],
        dataset: {
          name: "penguins",
          digest: dataset.digest,
          source_type: "gyre",
          source: '{"uri":"datasets:/penguins/1"}',
          schema: JSON.stringify({
            mlflow_colspec: [
              { type: "string", name: "species" },
              { type: "string", name: "island" },
              { type: "double", name: "bill_length_mm" },
              { type: "double", name: "bill_depth_mm" },
              { type: "long", name: "flipper_length_mm" },
              { type: "long", name: "body_mass_g" },
              { type: "string", name: "sex" },
              { type: "long", name: "year" },
            ],
          }),
          profile: '{"num_rows":344,"num_elements":2752}',
        },
      },
    ]);
  });
});
