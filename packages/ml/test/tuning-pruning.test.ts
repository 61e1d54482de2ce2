/**
 * Median pruning: a trial whose running value after a step is worse than the median of the
 * completed trials at that step stops there; on a real cross-validation (Ridge on ames) bad alphas
 * stop after two folds and the fits saved are counted.
 */
import { describe, expect, it } from "vitest";
import { Ridge } from "../src/linear/least-squares.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { crossValidationObjective } from "../src/tuning/cross-validation.js";
import { MedianPruner, median } from "../src/tuning/median-pruner.js";
import { scorers } from "../src/tuning/scoring.js";
import { logUniform, uniform } from "../src/tuning/space.js";
import type { TrialRecord } from "../src/tuning/trial.js";
import { tune } from "../src/tuning/tune.js";
import { referenceSplitOf } from "./reference-fixtures.js";

/** Every pruned trial was worse, at the step it stopped, than the median of the trials completed before it. */
function expectPrunedForACause(
  trials: readonly TrialRecord[],
  direction: "maximize" | "minimize",
  startup: number,
) {
  for (const t of trials.filter((x) => x.status === "pruned")) {
    const step = t.intermediate.length - 1;
    const before = trials.filter((x) => x.number < t.number && x.status === "complete");
    expect(before.length).toBeGreaterThanOrEqual(startup);
    const m = median(before.map((x) => x.intermediate[step]!));
    const value = t.intermediate[step]!;
    expect(direction === "maximize" ? value < m : value > m).toBe(true);
  }
}

describe("MedianPruner", () => {
  it("stops trials below the median after the warm-up step, and only those", async () => {
    let stepsRun = 0;
    const result = await tune({
      space: { quality: uniform(0, 1) },
      sampler: "random",
      seed: 5,
      trials: 30,
      direction: "maximize",
      pruner: new MedianPruner({ startupTrials: 5, warmupSteps: 1 }),
      objective: (p, trial) => {
        // A noisy learning curve that converges to `quality`.
        let value = 0;
        for (let step = 0; step < 5; step++) {
          stepsRun++;
          value = p.quality * (1 - 0.5 ** (step + 1)) + 0.01 * Math.sin(trial.number + step);
          trial.report(step, value);
        }
        return value;
      },
    });
    const pruned = result.trials.filter((t) => t.status === "pruned");
    expect(pruned.length).toBeGreaterThan(5);
    expect(pruned.every((t) => t.intermediate.length >= 2 && t.intermediate.length < 5)).toBe(true);
    expect(result.trials.slice(0, 5).every((t) => t.status === "complete")).toBe(true);
    expectPrunedForACause(result.trials, "maximize", 5);
    expect(stepsRun).toBeLessThan(30 * 5);
    // The best trial is never one the pruner would have stopped: it completed.
    expect(result.best.status).toBe("complete");
  });

  it("without a pruner every trial runs to the end", async () => {
    const result = await tune({
      space: { quality: uniform(0, 1) },
      sampler: "random",
      trials: 10,
      direction: "maximize",
      objective: (p, trial) => {
        for (let step = 0; step < 3; step++) trial.report(step, p.quality);
        return p.quality;
      },
    });
    expect(result.trials.every((t) => t.status === "complete" && t.intermediate.length === 3)).toBe(true);
  });

  it("a trial that throws is recorded as failed and the search goes on", async () => {
    const result = await tune({
      space: { x: uniform(0, 1) },
      sampler: "random",
      trials: 6,
      direction: "minimize",
      objective: (p, trial) => {
        if (trial.number === 2) throw new Error("diverged");
        return p.x;
      },
    });
    expect(result.trials[2]).toMatchObject({ status: "failed", error: "diverged" });
    expect(result.trials.filter((t) => t.status === "complete")).toHaveLength(5);
  });
});

describe("pruning a cross-validated search: Ridge alpha on ames, 5 folds", () => {
  it("stops hopeless alphas after two folds", async () => {
    const data = referenceSplitOf<Float64Array>("ames");
    let fits = 0;
    const objective = crossValidationObjective(
      (p: { alpha: number }) => {
        const pipeline = new Pipeline(linEncoding(), new Ridge({ alpha: p.alpha }));
        return {
          fit: (frame, y: Float64Array) => {
            fits++;
            return pipeline.fit(frame, y);
          },
        };
      },
      data.train,
      data.yTrain,
      scorers.r2,
    );
    const result = await tune({
      space: { alpha: logUniform(1e-2, 1e6) },
      sampler: "random",
      seed: 11,
      trials: 12,
      direction: "maximize",
      objective,
      metricName: "cv_r2",
      pruner: new MedianPruner({ startupTrials: 3 }),
    });
    const pruned = result.trials.filter((t) => t.status === "pruned");
    console.log(
      `ames Ridge, 12 random alphas in [1e-2, 1e6], 5-fold CV with median pruning: ${pruned.length} pruned, ` +
        `${fits} fold fits instead of ${12 * 5}; best alpha ${result.bestParams.alpha.toPrecision(3)}, CV R² ${result.bestValue.toFixed(4)}`,
    );
    expect(pruned.length).toBeGreaterThan(0);
    expect(pruned.every((t) => t.params.alpha > result.bestParams.alpha)).toBe(true);
    expectPrunedForACause(result.trials, "maximize", 3);
    expect(fits).toBe(result.trials.reduce((n, t) => n + t.intermediate.length, 0));
    expect(fits).toBeLessThan(12 * 5);
  }, 120_000);
});
