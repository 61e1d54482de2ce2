/**
 * ONNX parity of the tree models and k-means: each model exported (on its own, and as a pipeline with
 * the `ord` encoding) and run in onnxruntime-node on the reference test split, against the TypeScript
 * predict / predictProba. Probabilities and predictions within 1e-5, labels identical. The models are
 * fitted on the raw frames where they split natively (categorical columns, missing values), and the
 * test rows are also scored with holes punched in them: missing values in every column and levels the
 * training data never had.
 */
import { afterAll, describe, expect, it } from "vitest";
import { KMeans } from "../src/cluster/kmeans.js";
import type { DatasetName } from "../src/data/datasets.js";
import type { ClassTarget } from "../src/data/target.js";
import type { Column, Frame } from "../src/frame/frame.js";
import { selectColumns } from "../src/frame/rows.js";
import { buildOnnxExport, exportOnnx } from "../src/onnx/export.js";
import type { FittedClassifier, FittedRegressor } from "../src/pipeline/model.js";
import { FittedPipeline } from "../src/pipeline/pipeline.js";
import { ordEncoding } from "../src/preprocess/reference-encodings.js";
import type { FittedTransformer } from "../src/preprocess/transformer.js";
import { DecisionTreeClassifier, DecisionTreeRegressor } from "../src/trees/decision-tree.js";
import {
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
} from "../src/trees/hist-gradient-boosting.js";
import { RandomForestClassifier, RandomForestRegressor } from "../src/trees/random-forest.js";
import { maxAbsDiff, numbersOf, ParityReport, runOnnx, stringsOf } from "./onnx-support.js";
import { referenceSplitOf } from "./reference-fixtures.js";
import { DATA_SET_TIMEOUT } from "./trees-reference-data.js";

const TOLERANCE = 1e-5;
const report = new ParityReport();
afterAll(() => report.print("ONNX parity, tree models and k-means (reference test split)"));

const UNSEEN = "never seen in training";

/** Every 5th row missing in each column (offset by column), every 7th categorical value unseen. */
function withHoles(frame: Frame): Frame {
  const columns = frame.columns.map((c, j): Column => {
    if (c.kind === "numeric") {
      const values = Float64Array.from(c.values, (v, i) => ((i + j) % 5 === 0 ? Number.NaN : v));
      return { ...c, values };
    }
    const unseen = c.levels.length;
    const codes = Int32Array.from(c.codes, (code, i) =>
      (i + j) % 5 === 0 ? -1 : (i + j) % 7 === 0 ? unseen : code,
    );
    return { ...c, codes, levels: [...c.levels, UNSEEN] };
  });
  return { nRows: frame.nRows, columns };
}

/** A classifier or a pipeline ending in one: what the parity check calls. */
interface Classifies {
  predict(frame: Frame): Int32Array;
  predictProba(frame: Frame): Float64Array;
}

async function expectClassifierParity(
  label: string,
  model: FittedClassifier | FittedPipeline<FittedClassifier>,
  inputs: Frame,
  test: Frame,
) {
  const out = await runOnnx(exportOnnx(model, { inputs }), test);
  const scorer: Classifies = model;
  const classes = model instanceof FittedPipeline ? model.model.classes : model.classes;
  const diff = maxAbsDiff(numbersOf(out.probabilities), scorer.predictProba(test));
  const expected = Array.from(scorer.predict(test), (code) => classes[code]!);
  const labels = stringsOf(out.label);
  const mismatches = labels.filter((l, i) => l !== expected[i]).length;
  report.add(label, diff, `labels ${mismatches === 0 ? "identical" : `${mismatches} differ`}`);
  expect(diff).toBeLessThanOrEqual(TOLERANCE);
  expect(labels).toEqual(expected);
}

async function expectRegressorParity(
  label: string,
  model: FittedRegressor | FittedPipeline<FittedRegressor>,
  inputs: Frame,
  test: Frame,
) {
  const out = await runOnnx(exportOnnx(model, { inputs }), test);
  const diff = maxAbsDiff(numbersOf(out.prediction), model.predict(test));
  report.add(label, diff);
  expect(diff).toBeLessThanOrEqual(TOLERANCE);
}

function raw<Y extends ClassTarget | Float64Array>(name: DatasetName) {
  return referenceSplitOf<Y>(name);
}

describe("classifiers on their own (raw frames: native categorical splits, missing values)", () => {
  const cases = [
    ["breast-cancer", "DecisionTree", () => new DecisionTreeClassifier()],
    ["breast-cancer", "RandomForest(100)", () => new RandomForestClassifier({ nEstimators: 100 })],
    ["breast-cancer", "HGB binary", () => new HistGradientBoostingClassifier()],
    ["penguins", "DecisionTree", () => new DecisionTreeClassifier()],
    ["penguins", "RandomForest(100)", () => new RandomForestClassifier({ nEstimators: 100 })],
    ["penguins", "HGB multiclass", () => new HistGradientBoostingClassifier()],
    ["letter", "DecisionTree", () => new DecisionTreeClassifier()],
    ["letter", "RandomForest(20)", () => new RandomForestClassifier({ nEstimators: 20 })],
    ["letter", "HGB multiclass (maxIter 20)", () => new HistGradientBoostingClassifier({ maxIter: 20 })],
  ] as const;
  it.each(cases)(
    "%s: %s",
    async (name, label, make) => {
      const data = raw<ClassTarget>(name);
      const model = make().fit(data.train, data.yTrain);
      await expectClassifierParity(`${name}: ${label}`, model, data.train, data.test);
      await expectClassifierParity(`${name}: ${label}, holes`, model, data.train, withHoles(data.test));
    },
    DATA_SET_TIMEOUT,
  );
});

describe("regressors on ames (40 categorical columns split natively)", () => {
  const cases = [
    ["DecisionTree", () => new DecisionTreeRegressor()],
    ["RandomForest(30)", () => new RandomForestRegressor({ nEstimators: 30 })],
    ["HGB", () => new HistGradientBoostingRegressor()],
  ] as const;
  it.each(cases)(
    "ames: %s",
    async (label, make) => {
      const data = raw<Float64Array>("ames");
      const model = make().fit(data.train, data.yTrain);
      if (label === "HGB") {
        // The native categorical splits really are in the graph, as indicator tables.
        const { initializers } = buildOnnxExport(model, { inputs: data.train }).model.graph;
        expect(initializers?.some((t) => t.name.startsWith("split_sets"))).toBe(true);
      }
      await expectRegressorParity(`ames: ${label}`, model, data.train, data.test);
      await expectRegressorParity(`ames: ${label}, holes`, model, data.train, withHoles(data.test));
    },
    DATA_SET_TIMEOUT,
  );
});

/** `ord` fitted on the training rows, as the reference encoding; returns the fitted chain. */
function fitOrd(train: Frame): { steps: FittedTransformer[]; encoded: Frame } {
  const steps: FittedTransformer[] = [];
  let encoded = train;
  for (const step of ordEncoding()) {
    const fitted = step.fit(encoded);
    steps.push(fitted);
    encoded = fitted.transform(encoded);
  }
  return { steps, encoded };
}

function categoricalNames(frame: Frame): string[] {
  return frame.columns.filter((c) => c.kind === "categorical").map((c) => c.name);
}

describe("pipelines: `ord` encoding + tree model as one graph, fed raw strings", () => {
  it(
    "penguins: ord + HGB (ordinal codes split as categories)",
    async () => {
      const data = raw<ClassTarget>("penguins");
      const { steps, encoded } = fitOrd(data.train);
      const hgb = new HistGradientBoostingClassifier({ categoricalFeatures: categoricalNames(data.train) });
      const pipeline = new FittedPipeline(steps, hgb.fit(encoded, data.yTrain));
      await expectClassifierParity("penguins: pipeline(ord, HGB)", pipeline, data.train, data.test);
      await expectClassifierParity(
        "penguins: pipeline(ord, HGB), holes",
        pipeline,
        data.train,
        withHoles(data.test),
      );
    },
    DATA_SET_TIMEOUT,
  );
  it(
    "ames: ord + HGB regressor and ord + RandomForest",
    async () => {
      const data = raw<Float64Array>("ames");
      const { steps, encoded } = fitOrd(data.train);
      const hgb = new HistGradientBoostingRegressor({ categoricalFeatures: categoricalNames(data.train) });
      const boosted = new FittedPipeline(steps, hgb.fit(encoded, data.yTrain));
      await expectRegressorParity("ames: pipeline(ord, HGB)", boosted, data.train, withHoles(data.test));
      const forest = new FittedPipeline(
        steps,
        new RandomForestRegressor({ nEstimators: 20 }).fit(encoded, data.yTrain),
      );
      await expectRegressorParity("ames: pipeline(ord, RandomForest(20))", forest, data.train, data.test);
    },
    DATA_SET_TIMEOUT,
  );
});

describe("k-means", () => {
  it("breast-cancer: labels identical, distances to the centres", async () => {
    const data = raw<ClassTarget>("breast-cancer");
    const columns = data.train.columns.filter((c) => c.kind === "numeric").map((c) => c.name);
    const model = new KMeans({ nClusters: 8, seed: 3 }).fit(selectColumns(data.train, columns));
    const test = selectColumns(data.test, columns);
    const exported = buildOnnxExport(model);
    expect(exported.task).toBe("clustering");
    const out = await runOnnx(exportOnnx(model), test);
    const labels = Array.from(out.label!.data as BigInt64Array, Number);
    expect(labels).toEqual(Array.from(model.predict(test)));
    const d = columns.length;
    const k = model.params.nClusters;
    const expected = new Float64Array(test.nRows * k);
    for (let i = 0; i < test.nRows; i++)
      for (let c = 0; c < k; c++) {
        let s = 0;
        columns.forEach((name, j) => {
          const column = test.columns.find((col) => col.name === name)!;
          if (column.kind === "numeric") s += (column.values[i]! - model.clusterCenters[c * d + j]!) ** 2;
        });
        expected[i * k + c] = Math.sqrt(s);
      }
    const diff = maxAbsDiff(numbersOf(out.distances), expected);
    report.add("breast-cancer: KMeans(8) distances", diff, "labels identical");
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
  });
});
