/**
 * The linear models on the shared data sets with the reference split and `lin` encoding, against
 * scikit-learn 1.2.1: the §2.2 figures of ml-baselines.md (within 1 % relative) and the fixtures of
 * scripts/make_reference_fixtures.py (coefficients, probabilities).
 */
import { describe, expect, it } from "vitest";
import { buildDesign } from "../src/data/design-matrix.js";
import { minimizeLbfgs } from "../src/linear/lbfgs.js";
import { LinearRegression, type LinearRegressor, Ridge } from "../src/linear/least-squares.js";
import { type FitReport, LogisticRegression, type LogisticRegressionModel } from "../src/linear/logistic.js";
import { binaryLogisticObjective, multinomialLogisticObjective } from "../src/linear/logistic-loss.js";
import { accuracy, f1Score } from "../src/metrics/classification.js";
import { rocAuc } from "../src/metrics/ranking.js";
import { r2, rmse } from "../src/metrics/regression.js";
import { FittedPipeline, Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import {
  expectCloseTo,
  fitReferenceLogistic,
  positiveColumn,
  readFixture,
  referenceSplitOf,
  SKLEARN,
  WITHIN_1_PERCENT,
} from "./reference-fixtures.js";

interface LogisticFixture {
  n_iter: number;
  coef: number[][];
  intercept: number[];
  test_proba: number[][];
  feature_names: string[];
  optimum: { coef: number[][]; intercept: number[] };
}
interface ModelsFixture {
  models: {
    "breast-cancer": { logistic_regression: LogisticFixture };
    penguins: { logistic_regression: LogisticFixture };
    ames: {
      ridge: { coef: number[]; intercept: number; rmse: number; r2: number; feature_names: string[] };
      linear_regression: { r2: number };
      "lstsq_rcond_1e-8": { r2: number; train_r2: number; rank: number };
    };
  };
}
const fixture = readFixture<ModelsFixture>("reference-models.json").models;

describe("LogisticRegression, binary: breast-cancer", () => {
  const { data, model, proba, predicted } = fitReferenceLogistic("breast-cancer");
  const reference = fixture["breast-cancer"].logistic_regression;

  it("takes scikit-learn's path: same iterations, coefficients within 1e-4", () => {
    expect((model.fitReport as FitReport).iterations).toBe(reference.n_iter);
    expect(model.layout.dense).toEqual(reference.feature_names);
    expectCloseTo(model.coef, reference.coef.flat(), 0, 1e-4);
    expectCloseTo(model.intercept, reference.intercept, 0, 1e-4);
    expectCloseTo(proba, reference.test_proba.flat(), 0, 1e-6);
  });

  it("test accuracy and ROC AUC within 1 % of §2.2", () => {
    expectCloseTo(accuracy(data.yTest.codes, predicted), SKLEARN.breastCancer.accuracy, WITHIN_1_PERCENT);
    expectCloseTo(
      rocAuc(data.yTest.codes, positiveColumn(proba)),
      SKLEARN.breastCancer.rocAuc,
      WITHIN_1_PERCENT,
    );
  });

  it("run to convergence, the objective lands on the independently computed optimum", () => {
    const design = buildDesign(
      new Pipeline(linEncoding(), new LogisticRegression())
        .fit(data.train, data.yTrain)
        .transform(data.train),
    );
    const objective = binaryLogisticObjective(design, data.yTrain.codes, 1, true);
    const result = minimizeLbfgs(objective, new Float64Array(design.nFeatures + 1), {
      gtol: 1e-9,
      ftol: 0,
      maxIter: 10_000,
    });
    expectCloseTo(result.x, [...reference.optimum.coef.flat(), ...reference.optimum.intercept], 0, 1e-6);
  });
});

describe("LogisticRegression, multinomial", () => {
  it("penguins: coefficients within 1e-4 of scikit-learn's, metrics within 1 % of §2.2", () => {
    const { data, model, proba, predicted } = fitReferenceLogistic("penguins");
    const reference = fixture.penguins.logistic_regression;
    expect(model.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    expectCloseTo(model.coef, reference.coef.flat(), 0, 1e-4);
    expectCloseTo(model.intercept, reference.intercept, 0, 1e-4);
    expectCloseTo(proba, reference.test_proba.flat(), 0, 1e-6);
    expectCloseTo(accuracy(data.yTest.codes, predicted), SKLEARN.penguins.accuracy, WITHIN_1_PERCENT);
    expectCloseTo(
      f1Score(data.yTest.codes, predicted, { average: "macro" }),
      SKLEARN.penguins.macroF1,
      WITHIN_1_PERCENT,
    );

    // Free intercepts: started at zero they keep summing to zero, as scikit-learn's do.
    expect(Math.abs(model.intercept.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    const design = buildDesign(
      new Pipeline(linEncoding(), new LogisticRegression())
        .fit(data.train, data.yTrain)
        .transform(data.train),
    );
    const objective = multinomialLogisticObjective(design, data.yTrain.codes, 3, 1, true);
    const exact = minimizeLbfgs(objective, new Float64Array(3 * design.nFeatures + 3), {
      gtol: 1e-9,
      ftol: 0,
      maxIter: 10_000,
    });
    expectCloseTo(exact.x, [...reference.optimum.coef.flat(), ...reference.optimum.intercept], 0, 1e-6);
  });

  it("letter (26 classes): accuracy and macro F1 within 1 % of §2.2", () => {
    const { data, predicted, model } = fitReferenceLogistic("letter");
    expect(model.fitReport?.converged).toBe(true);
    expectCloseTo(accuracy(data.yTest.codes, predicted), SKLEARN.letter.accuracy, WITHIN_1_PERCENT);
    expectCloseTo(
      f1Score(data.yTest.codes, predicted, { average: "macro" }),
      SKLEARN.letter.macroF1,
      WITHIN_1_PERCENT,
    );
  });
});

describe("least squares on ames (40 one-hot blocks, rank-deficient)", () => {
  const data = referenceSplitOf<Float64Array>("ames");
  const fit = (model: Ridge | LinearRegression) =>
    new Pipeline(linEncoding(), model).fit(data.train, data.yTrain);

  it("Ridge(α=1) matches scikit-learn's coefficients and §2.2's RMSE and R²", () => {
    const pipeline = fit(new Ridge({ alpha: 1 }));
    const reference = fixture.ames.ridge;
    const coef = pipeline.model.coef;
    const scale = Math.max(...reference.coef.map(Math.abs));
    expectCloseTo(coef, reference.coef, 0, 1e-8 * scale);
    expectCloseTo(pipeline.model.intercept, reference.intercept, 1e-10);
    const predicted = pipeline.predict(data.test);
    expectCloseTo(rmse(data.yTest, predicted), SKLEARN.amesRidge.rmse, WITHIN_1_PERCENT);
    expectCloseTo(r2(data.yTest, predicted), SKLEARN.amesRidge.r2, WITHIN_1_PERCENT);
    expectCloseTo(rmse(data.yTest, predicted), reference.rmse, 1e-9);
  });

  it("LinearRegression stays finite where scikit-learn's R² is −1.6e17 (rank 263, a true LS fit)", () => {
    const pipeline = fit(new LinearRegression());
    const lstsq = fixture.ames["lstsq_rcond_1e-8"];
    expect(fixture.ames.linear_regression.r2).toBeLessThan(-1e15); // what scikit-learn's lstsq gives
    expect((pipeline.model as LinearRegressor).rank).toBe(lstsq.rank);
    // Every least-squares solution fits the training rows equally well.
    expectCloseTo(r2(data.yTrain, pipeline.predict(data.train)), lstsq.train_r2, 1e-9);
    const testR2 = r2(data.yTest, pipeline.predict(data.test));
    expect(testR2).toBeGreaterThan(0.77);
    expect(testR2).toBeLessThan(SKLEARN.amesRidge.r2);
  });
});

describe("saved pipelines", () => {
  it("a fitted pipeline survives JSON and predicts identically", async () => {
    const { data, pipeline, proba } = fitReferenceLogistic("penguins");
    const { linearModelLoaders } = await import("../src/linear/loaders.js");
    const loaded = FittedPipeline.fromJSON(JSON.parse(JSON.stringify(pipeline.toJSON())), linearModelLoaders);
    expect(loaded.isClassifier).toBe(true);
    expect((loaded as FittedPipeline<LogisticRegressionModel>).predictProba(data.test)).toEqual(proba);
  });
});
