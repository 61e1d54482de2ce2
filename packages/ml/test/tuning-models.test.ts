/**
 * Tuning real models with 5-fold cross-validation on the reference training split: Ridge's alpha on
 * ames (R²) and LogisticRegression's C on breast-cancer (ROC AUC, stratified folds), with TPE. The
 * best cross-validated score must be at least the default's (alpha = 1, C = 1) on the same folds;
 * the held-out test scores are printed for the record.
 */
import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { Ridge } from "../src/linear/least-squares.js";
import { LogisticRegression } from "../src/linear/logistic.js";
import { rocAuc } from "../src/metrics/ranking.js";
import { r2, rmse } from "../src/metrics/regression.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { crossValidate, crossValidationObjective } from "../src/tuning/cross-validation.js";
import { MedianPruner } from "../src/tuning/median-pruner.js";
import { scorers } from "../src/tuning/scoring.js";
import { logUniform } from "../src/tuning/space.js";
import { tune } from "../src/tuning/tune.js";
import { positiveColumn, referenceSplitOf } from "./reference-fixtures.js";

describe("Ridge alpha on ames (lin encoding, 5-fold CV R², TPE)", () => {
  it("finds an alpha at least as good as the default", async () => {
    const data = referenceSplitOf<Float64Array>("ames");
    const ridge = (alpha: number) => new Pipeline(linEncoding(), new Ridge({ alpha }));
    const result = await tune({
      space: { alpha: logUniform(1e-3, 1e3) },
      direction: "maximize",
      trials: 25,
      seed: 42,
      tpe: { startupTrials: 8 },
      pruner: new MedianPruner(),
      objective: crossValidationObjective((p) => ridge(p.alpha), data.train, data.yTrain, scorers.r2),
      metricName: "cv_r2",
    });
    const baseline = await crossValidate(ridge(1), data.train, data.yTrain, scorers.r2);
    const tuned = ridge(result.bestParams.alpha).fit(data.train, data.yTrain).predict(data.test);
    const byDefault = ridge(1).fit(data.train, data.yTrain).predict(data.test);
    console.log(
      `ames Ridge: best alpha ${result.bestParams.alpha.toPrecision(4)}, CV R² ${result.bestValue.toFixed(4)} ` +
        `(alpha=1: ${baseline.mean.toFixed(4)}); test R² ${r2(data.yTest, tuned).toFixed(4)} ` +
        `(alpha=1: ${r2(data.yTest, byDefault).toFixed(4)}), test RMSE ${rmse(data.yTest, tuned).toFixed(0)} ` +
        `(alpha=1: ${rmse(data.yTest, byDefault).toFixed(0)}); ` +
        `${result.trials.filter((t) => t.status === "pruned").length}/25 trials pruned`,
    );
    expect(result.bestValue).toBeGreaterThanOrEqual(baseline.mean);
  }, 180_000);
});

describe("LogisticRegression C on breast-cancer (lin encoding, stratified 5-fold CV ROC AUC, TPE)", () => {
  it("finds a C at least as good as the default", async () => {
    const data = referenceSplitOf<ClassTarget>("breast-cancer");
    const logistic = (C: number) => new Pipeline(linEncoding(), new LogisticRegression({ C, maxIter: 1000 }));
    const result = await tune({
      space: { C: logUniform(1e-3, 1e2) },
      direction: "maximize",
      trials: 25,
      seed: 42,
      tpe: { startupTrials: 8 },
      objective: crossValidationObjective((p) => logistic(p.C), data.train, data.yTrain, scorers.rocAuc),
      metricName: "cv_roc_auc",
    });
    const baseline = await crossValidate(logistic(1), data.train, data.yTrain, scorers.rocAuc);
    const testAuc = (C: number) =>
      rocAuc(
        data.yTest.codes,
        positiveColumn(logistic(C).fit(data.train, data.yTrain).predictProba(data.test)),
      );
    console.log(
      `breast-cancer LogisticRegression: best C ${result.bestParams.C.toPrecision(4)}, CV ROC AUC ${result.bestValue.toFixed(4)} ` +
        `(C=1: ${baseline.mean.toFixed(4)}); test ROC AUC ${testAuc(result.bestParams.C).toFixed(4)} (C=1: ${testAuc(1).toFixed(4)})`,
    );
    expect(result.bestValue).toBeGreaterThanOrEqual(baseline.mean);
  }, 180_000);
});
