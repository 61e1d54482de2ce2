import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContinuousTrainingHooks, EvaluateInput, EvaluateOutput } from "@gyre/pipelines";
import { DEMO_FEATURES } from "./demo-data.js";
import { demoTrainer } from "./demo-train.js";
import { downloadDataset } from "./test-holdout.js";
import { runModelTest } from "./test-run.js";

/** Latency samples per model in the pipeline's gate (batch-1, in process). */
const GATE_LATENCY_SAMPLES = 100;

/**
 * `gyre test`'s engine as the template's evaluate hook: the candidate, the champion and the
 * holdout are downloaded through the step's client, then scored exactly as `gyre test` scores.
 */
export async function evaluateWithGyreTest(input: EvaluateInput): Promise<EvaluateOutput> {
  const scratch = await mkdtemp(join(tmpdir(), "gyre-ct-evaluate-"));
  try {
    const candidate = await input.gyre.downloadModel(input.candidate, join(scratch, "challenger"));
    let champion: string | undefined;
    if (input.champion !== undefined) {
      const resolved = await input.gyre.resolveModel(input.champion);
      champion = await input.gyre.downloadModel(
        resolved.download_uri,
        join(scratch, `champion-v${resolved.version}`),
      );
    }
    const holdout = await downloadDataset(input.gyre, input.holdout, join(scratch, "holdout"));
    const outcome = await runModelTest({
      challenger: candidate,
      against: champion,
      data: holdout.path,
      target: input.target,
      thresholds: input.thresholds,
      latencySamples: GATE_LATENCY_SAMPLES,
      // Only local directories and files above: the tracking target is never used.
      tracking: { kind: "in-process", backendStoreUri: undefined, home: scratch },
      progress: (text) => input.log(text),
    });
    input.log(`\n${outcome.text}`);
    return {
      passed: outcome.result.passed,
      checks: outcome.result.checks,
      challenger: outcome.challenger,
      champion: outcome.champion,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The hooks `gyre demo` (and examples/continuous-training.mjs) run the template with. */
export function demoHooks(): ContinuousTrainingHooks {
  return {
    train: demoTrainer(DEMO_FEATURES),
    evaluate: evaluateWithGyreTest,
    version: "demo-hgb-1",
  };
}
