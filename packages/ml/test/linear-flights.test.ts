/**
 * flights-200k logistic regression: 160k rows, two 228-level one-hot blocks kept sparse. A file of
 * its own so that it runs beside the other suites.
 */
import { describe, expect, it } from "vitest";
import { accuracy } from "../src/metrics/classification.js";
import { rocAuc } from "../src/metrics/ranking.js";
import {
  expectCloseTo,
  fitReferenceLogistic,
  positiveColumn,
  SKLEARN,
  WITHIN_1_PERCENT,
} from "./reference-fixtures.js";

describe("LogisticRegression on a sparse one-hot design: flights-200k", () => {
  it("ROC AUC and accuracy within 1 % of ml-baselines.md §2.2", () => {
    const { data, predicted, proba, model } = fitReferenceLogistic("flights-200k");
    expect(model.layout.oneHot.map((b) => b.levels.length)).toEqual([228, 228]);
    expect(model.fitReport?.converged).toBe(true);
    expectCloseTo(
      rocAuc(data.yTest.codes, positiveColumn(proba)),
      SKLEARN.flights200k.rocAuc,
      WITHIN_1_PERCENT,
    );
    expectCloseTo(accuracy(data.yTest.codes, predicted), SKLEARN.flights200k.accuracy, WITHIN_1_PERCENT);
  });
});
