/**
 * Each trial becomes a child run of the tuning run on a real Gyre server, through the SDK: the
 * adapter is the three lines documented in src/tuning/trial-logger.ts (the SDK's Run satisfies
 * `TrialRun` as it is). Checked on the server: one child per trial with mlflow.parentRunId, its
 * parameters, the CV metric equal to the trial's value, per-fold metrics, and KILLED for pruned ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre, type RunRecord } from "../../sdk/src/index.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import type { ClassTarget } from "../src/data/target.js";
import { LogisticRegression } from "../src/linear/logistic.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { crossValidationObjective } from "../src/tuning/cross-validation.js";
import { MedianPruner } from "../src/tuning/median-pruner.js";
import { scorers } from "../src/tuning/scoring.js";
import { categorical, logUniform } from "../src/tuning/space.js";
import type { TrialLogger } from "../src/tuning/trial-logger.js";
import { tune } from "../src/tuning/tune.js";
import { referenceSplitOf } from "./reference-fixtures.js";

let server: TestServer;
let gyre: Gyre;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  gyre = new Gyre({ trackingUri: server.baseUrl });
});
afterAll(() => server.close());

const tagsOf = (run: RunRecord) => Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
const paramsOf = (run: RunRecord) => Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
const metricsOf = (run: RunRecord) =>
  Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));

describe("trials as child runs", () => {
  it("logs every trial of a cross-validated search under the tuning run", async () => {
    const data = referenceSplitOf<ClassTarget>("breast-cancer");
    const parent = await gyre.startRun({ experiment: "tuning", name: "logistic-C" });
    const logger: TrialLogger = {
      startTrial: (params, trial) => parent.startChildRun({ name: `trial-${trial.number}`, params }),
    };
    const result = await tune({
      space: { C: logUniform(1e-4, 1e2), fitIntercept: categorical([true, false]) },
      sampler: "random",
      seed: 4,
      trials: 8,
      concurrency: 2,
      direction: "maximize",
      pruner: new MedianPruner({ startupTrials: 2 }),
      logger,
      metricName: "cv_roc_auc",
      objective: crossValidationObjective(
        (p) => new Pipeline(linEncoding(), new LogisticRegression({ C: p.C, fitIntercept: p.fitIntercept })),
        data.train,
        data.yTrain,
        scorers.rocAuc,
        { folds: 3 },
      ),
    });
    await parent.logMetrics({ best_cv_roc_auc: result.bestValue });
    await parent.logParams({ best_C: result.bestParams.C });
    await parent.end();

    const children = (
      await gyre.searchRuns({
        experimentIds: [parent.experimentId],
        filter: `tags.mlflow.parentRunId = '${parent.id}'`,
        maxResults: 100,
      })
    ).runs;
    expect(children).toHaveLength(result.trials.length);
    const byName = new Map(children.map((run) => [run.info.run_name, run]));
    for (const trial of result.trials) {
      const run = byName.get(`trial-${trial.number}`)!;
      expect(run, `trial ${trial.number}`).toBeDefined();
      expect(tagsOf(run)["mlflow.parentRunId"]).toBe(parent.id);
      expect(paramsOf(run)).toEqual({
        C: String(trial.params.C),
        fitIntercept: String(trial.params.fitIntercept),
      });
      const metrics = metricsOf(run);
      expect(metrics.cv_roc_auc_running).toBe(trial.intermediate.at(-1));
      if (trial.status === "complete") {
        expect(run.info.status).toBe("FINISHED");
        expect(metrics.cv_roc_auc).toBe(trial.value);
        // Per-fold scores were logged as a metric history, one step per fold.
        const folds = await gyre.getMetricHistory(run.info.run_id, "fold_roc_auc");
        expect(folds.map((m) => m.step)).toEqual([0, 1, 2]);
      } else {
        expect(trial.status).toBe("pruned");
        expect(run.info.status).toBe("KILLED");
        expect(metrics.cv_roc_auc).toBeUndefined();
      }
    }
    expect(result.trials.some((t) => t.status === "pruned")).toBe(true);
  }, 120_000);
});
