import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployments } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ContinuousTrainingHooks,
  continuousTraining,
  type EvaluateOutput,
  type OnlineVerdict,
  runPipeline,
} from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";

/**
 * The continuous-training template run for real against a server (registry, datasets,
 * deployments stored without loading models), with hooks that decide the gate and the online
 * verdict: first model, a failed gate, a canary rolled back, a shadow promoted.
 */

let server: PipelineTestServer;
let work: string;
let train: string;
let holdout: string;

beforeAll(async () => {
  server = await startPipelineServer();
  work = mkdtempSync(join(tmpdir(), "gyre-ct-"));
  const csv = join(work, "rows.csv");
  writeFileSync(csv, `x,late\n${Array.from({ length: 20 }, (_, i) => `${i},${i % 2}`).join("\n")}\n`);
  train = (await server.gyre.registerDataset(csv, { name: "ct-train" })).uri;
  holdout = (await server.gyre.registerDataset(csv, { name: "ct-holdout" })).uri;
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Hooks: a placeholder model directory (never served here), a gate and a verdict set per run. */
function hooks(gate: boolean, verdict: OnlineVerdict): ContinuousTrainingHooks {
  const evaluation = { model: "m", task: "classification" as const, rows: 20, metrics: {}, slices: {} };
  return {
    train: async ({ dir, files }) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "gyre-model.json"),
        JSON.stringify({ format: "onnx", model_file: "model.onnx" }),
      );
      writeFileSync(join(dir, "model.onnx"), "placeholder");
      return { metrics: { files: files.length } };
    },
    evaluate: async ({ champion }): Promise<EvaluateOutput> => ({
      passed: gate,
      checks: gate
        ? []
        : [
            {
              name: "roc_auc",
              rule: "max_drop 0.002",
              challenger: 0.5,
              champion: 0.7,
              limit: 0.698,
              status: "fail",
            },
          ],
      challenger: evaluation,
      champion: champion === undefined ? undefined : evaluation,
    }),
    judgeOnline: async () => verdict,
  };
}

async function run(gate: boolean, verdict: OnlineVerdict, extra: Record<string, unknown> = {}) {
  return runPipeline(continuousTraining(hooks(gate, verdict)), {
    trackingUri: server.uri,
    gyre: server.gyre,
    params: { dataset: train, holdout, target: "late", model_name: "ct", deployment: "ct-live", ...extra },
    noCache: true,
  });
}

async function state() {
  const model = await server.gyre.getRegisteredModel("ct");
  const { deployment } = await server.gyre.client.call(deployments.getDeployment, { name: "ct-live" });
  const versions = await server.gyre.searchModelVersions({ filter: "name = 'ct'" });
  return {
    aliases: Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, a.version])),
    arms: deployment.spec.arms.map((a) => [a.model_uri, a.weight]),
    shadows: deployment.spec.shadows.map((s) => [s.model_uri, s.percent]),
    versions: versions.length,
  };
}

describe("the continuous-training template", () => {
  it("promotes the first model at once and serves it as the champion", async () => {
    const result = await run(true, { promote: false, reason: "never asked" });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.steps.promote?.outputs).toEqual({
      decision: "promoted",
      champion: "models:/ct/1",
      reason: "first model",
    });
    expect(await state()).toEqual({
      aliases: { champion: "1" },
      arms: [["models:/ct@champion", 100]],
      shadows: [],
      versions: 1,
    });
  });

  it("stops at a failed gate: nothing registered, nothing deployed", async () => {
    const result = await run(false, { promote: true, reason: "never asked" });
    expect(result.status).toBe("FAILED");
    expect(result.steps.gate?.error).toContain("The challenger failed the gate: roc_auc (max_drop 0.002).");
    expect(["register", "deploy", "promote"].map((s) => result.steps[s]?.status)).toEqual([
      "SKIPPED",
      "SKIPPED",
      "SKIPPED",
    ]);
    expect((await state()).versions).toBe(1);
  });

  it("rolls a canary back when the online verdict says so", async () => {
    const result = await run(true, { promote: false, reason: "online log loss worse" }, { percent: 30 });
    expect(result.steps.deploy?.outputs).toMatchObject({ mode: "canary" });
    expect(result.steps.promote?.outputs).toEqual({
      decision: "rolled_back",
      champion: "models:/ct/1",
      reason: "online log loss worse",
    });
    expect(await state()).toEqual({
      aliases: { champion: "1" },
      arms: [["models:/ct@champion", 100]],
      shadows: [],
      versions: 2,
    });
  });

  it("promotes a shadow when its online figures hold", async () => {
    const result = await run(
      true,
      { promote: true, reason: "online log loss better" },
      { rollout: "shadow" },
    );
    expect(result.steps.deploy?.outputs).toMatchObject({ mode: "shadow" });
    expect(result.steps.promote?.outputs).toMatchObject({ decision: "promoted", champion: "models:/ct/3" });
    expect(await state()).toEqual({
      aliases: { champion: "3" },
      arms: [["models:/ct@champion", 100]],
      shadows: [],
      versions: 3,
    });
  });

  it("refuses a rollout it does not know, naming the parameter", async () => {
    const result = await run(true, { promote: true, reason: "-" }, { rollout: "blue-green" });
    expect(result.steps.deploy?.error).toContain(
      "Parameter 'rollout' is canary or shadow, got 'blue-green'.",
    );
    expect((await state()).aliases).toEqual({ champion: "3", challenger: "4" });
  });
});
