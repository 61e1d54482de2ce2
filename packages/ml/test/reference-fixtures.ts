/**
 * Test support for the data, split, preprocessing, linear-model and metric suites: where the shared
 * data sets are, the scikit-learn fixtures written by scripts/make_reference_fixtures.py, and the
 * reference split + `lin` encoding applied to a data set.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type Dataset, type DatasetName, loadDataset } from "../src/data/datasets.js";
import { type ClassTarget, takeTarget } from "../src/data/target.js";
import type { Frame } from "../src/frame/frame.js";
import { takeRows } from "../src/frame/rows.js";
import { LogisticRegression } from "../src/linear/logistic.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { type TrainTestSplit, trainTestSplit } from "../src/split/train-test.js";

/** ml-baselines.md §2.2: scikit-learn 1.2.1's test metrics on the reference split. */
export const SKLEARN = {
  breastCancer: { accuracy: 0.9825, rocAuc: 0.9886 },
  penguins: { accuracy: 0.9855, macroF1: 0.9797 },
  letter: { accuracy: 0.7725, macroF1: 0.7703 },
  amesRidge: { rmse: 39_646, r2: 0.809 },
  flights200k: { accuracy: 0.796, rocAuc: 0.633 },
};
export const WITHIN_1_PERCENT = 0.01;

export const DATA_DIR = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));

export function readFixture<T>(name: "reference-metrics.json" | "reference-models.json"): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

export interface SplitData<Y> {
  readonly dataset: Dataset;
  readonly split: TrainTestSplit;
  readonly train: Frame;
  readonly test: Frame;
  readonly yTrain: Y;
  readonly yTest: Y;
}

/** The data set with the reference split (seed 42, 20 % test). */
export function referenceSplitOf<Y extends Dataset["target"]>(name: DatasetName): SplitData<Y> {
  const dataset = loadDataset(name, DATA_DIR);
  const split = trainTestSplit(dataset.features.nRows);
  return {
    dataset,
    split,
    train: takeRows(dataset.features, split.train),
    test: takeRows(dataset.features, split.test),
    yTrain: takeTarget(dataset.target, split.train) as Y,
    yTest: takeTarget(dataset.target, split.test) as Y,
  };
}

/** `lin` encoding + LogisticRegression(max_iter=1000), the reference benchmark's setting. */
export function fitReferenceLogistic(name: "breast-cancer" | "penguins" | "letter" | "flights-200k") {
  const data = referenceSplitOf<ClassTarget>(name);
  const pipeline = new Pipeline(linEncoding(), new LogisticRegression({ maxIter: 1000 })).fit(
    data.train,
    data.yTrain,
  );
  const proba = pipeline.predictProba(data.test);
  return { data, pipeline, model: pipeline.model, proba, predicted: pipeline.predict(data.test) };
}

/** P(class 1) from a row-major n × 2 probability matrix. */
export function positiveColumn(proba: Float64Array): Float64Array {
  return proba.filter((_, i) => i % 2 === 1);
}

/** |actual − expected| ≤ max(rel · |expected|, abs), element by element. */
export function expectCloseTo(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  rel: number,
  abs = 0,
): void {
  const a = typeof actual === "number" ? [actual] : Array.from(actual);
  const e = typeof expected === "number" ? [expected] : Array.from(expected);
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const tolerance = Math.max(rel * Math.abs(e[i]!), abs);
    if (!(Math.abs(a[i]! - e[i]!) <= tolerance)) {
      expect.fail(`element ${i}: ${a[i]} differs from ${e[i]} by more than ${tolerance}`);
    }
  }
}
