import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registry } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipeline, runPipeline } from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";

let t: PipelineTestServer;
let work: string;
beforeAll(async () => {
  t = await startPipelineServer();
  work = mkdtempSync(join(tmpdir(), "gyre-lineage-"));
});
afterAll(async () => {
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

function csv(name: string, body: string): string {
  const file = join(work, name);
  writeFileSync(file, body);
  return file;
}

const lineage = pipeline("lineage", (p) => {
  const data = p.param("data", "dataset");
  const train = p.step(
    "train",
    { inputs: { data }, outputs: { model: "model", rows: "number" } },
    async ({ inputs, gyre }) => {
      const ref = inputs.data.replace(/^datasets:\/([^/]+)\/(\d+)$/, "$1@$2");
      return { model: "models:/churn/1", rows: (await gyre.getDataset(ref)).info.rows };
    },
  );
  p.step(
    "score",
    {
      inputs: { trained: train.outputs.model, champion: "models:/churn@champion" },
      outputs: { used: "string" },
    },
    ({ inputs }) => ({ used: `${inputs.trained} vs ${inputs.champion}` }),
  );
});

const statuses = (result: Awaited<ReturnType<typeof runPipeline>>) =>
  Object.values(result.steps).map((s) => s.status);

describe("lineage and content-addressed caching of datasets and models", () => {
  it("logs dataset versions in and model versions out, and keys the cache on digests and resolved versions", async () => {
    const v1 = await t.gyre.registerDataset(csv("a.csv", "x,y\n1,2\n3,4\n"), { name: "flights" });
    await t.gyre.client.call(registry.createRegisteredModel, { name: "churn" });
    const source = await t.gyre.startRun({ experiment: "models" });
    await source.end();
    for (let i = 0; i < 2; i++) {
      await t.gyre.client.call(registry.createModelVersion, {
        name: "churn",
        source: `runs:/${source.id}/model`,
        run_id: source.id,
      });
    }
    await t.gyre.setAlias("churn", "champion", 1);

    const first = await runPipeline(lineage, { trackingUri: t.uri, params: { data: v1.uri } });
    expect(statuses(first)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(first.steps.train?.outputs).toEqual({ model: "models:/churn/1", rows: 2 });
    const train = await t.gyre.getRun(first.steps.train?.runId ?? "");
    expect(
      train.inputs?.dataset_inputs?.map((d) => [d.dataset.name, d.dataset.digest, d.dataset.source]),
    ).toEqual([["flights", v1.digest, JSON.stringify({ uri: "datasets:/flights/1" })]]);
    const tags = Object.fromEntries((train.data.tags ?? []).map((x) => [x.key, x.value]));
    expect(tags["gyre.output.model"]).toBe("models:/churn/1");
    expect(train.data.params).toContainEqual({ key: "input.data", value: "datasets:/flights/1" });

    // Same inputs: both cached, and the cached train run still records its dataset input.
    const again = await runPipeline(lineage, { trackingUri: t.uri, params: { data: v1.uri } });
    expect(statuses(again)).toEqual(["CACHED", "CACHED"]);
    const cachedTrain = await t.gyre.getRun(again.steps.train?.runId ?? "");
    expect(cachedTrain.inputs?.dataset_inputs?.map((d) => d.dataset.digest)).toEqual([v1.digest]);

    // A new dataset version with other content is another input: train runs, score is fed the same model.
    const v2 = await t.gyre.registerDataset(csv("b.csv", "x,y\n1,2\n3,4\n5,6\n"), { name: "flights" });
    const third = await runPipeline(lineage, { trackingUri: t.uri, params: { data: v2.uri } });
    expect(statuses(third)).toEqual(["SUCCEEDED", "CACHED"]);
    expect(third.steps.train?.outputs).toEqual({ model: "models:/churn/1", rows: 3 });

    // Moving the alias the score step reads changes its key although its text did not change.
    await t.gyre.setAlias("churn", "champion", 2);
    const fourth = await runPipeline(lineage, { trackingUri: t.uri, params: { data: v2.uri } });
    expect(statuses(fourth)).toEqual(["CACHED", "SUCCEEDED"]);
  });

  it("fails a step whose dataset input does not exist, naming it", async () => {
    const result = await runPipeline(lineage, {
      trackingUri: t.uri,
      params: { data: "datasets:/nowhere/1" },
    });
    expect(result.status).toBe("FAILED");
    expect(result.steps.train?.status).toBe("FAILED");
    expect(result.steps.train?.error).toMatch(/nowhere/);
    expect(result.steps.score?.status).toBe("SKIPPED");
  });
});
