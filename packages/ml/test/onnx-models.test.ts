/**
 * Each linear model exported on its own (its inputs: the columns of the frame it was fitted on,
 * categorical columns as level strings) against predict / predictProba on the reference test split,
 * and the plug-in point for model families that export themselves (`OnnxExportable`).
 */

import { treeEnsembleRegressor } from "@gyre/onnx";
import { afterAll, describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import type { Frame } from "../src/frame/frame.js";
import { selectColumns } from "../src/frame/rows.js";
import { LinearRegression, Ridge } from "../src/linear/least-squares.js";
import { LogisticRegression } from "../src/linear/logistic.js";
import { buildOnnxExport, exportOnnx } from "../src/onnx/export.js";
import type { OnnxExportable, OnnxModelOutputs } from "../src/onnx/exportable.js";
import type { FeatureColumn, OnnxFrame } from "../src/onnx/onnx-frame.js";
import type { KindedJson } from "../src/pipeline/json.js";
import { argmaxRows, type FittedClassifier, type FittedRegressor } from "../src/pipeline/model.js";
import { FittedPipeline } from "../src/pipeline/pipeline.js";
import { SimpleImputer } from "../src/preprocess/impute.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { StandardScaler } from "../src/preprocess/scale.js";
import { maxAbsDiff, numbersOf, ParityReport, runOnnx, stringsOf } from "./onnx-support.js";
import { referenceSplitOf } from "./reference-fixtures.js";

const TOLERANCE = 1e-5;
const report = new ParityReport();
afterAll(() => report.print("ONNX parity, models on their own (reference test split, lin-encoded frames)"));

/** The reference split with the `lin` encoding applied (fitted on the training rows). */
function linEncoded<Y extends ClassTarget | Float64Array>(
  name: "ames" | "breast-cancer" | "penguins" | "letter",
) {
  const data = referenceSplitOf<Y>(name);
  let train = data.train;
  let test = data.test;
  for (const step of linEncoding()) {
    const fitted = step.fit(train);
    train = fitted.transform(train);
    test = fitted.transform(test);
  }
  return { train, test, yTrain: data.yTrain, yTest: data.yTest };
}

describe("regressors on ames (numeric + 40 one-hot blocks)", () => {
  const ames = linEncoded<Float64Array>("ames");
  it.each([
    ["LinearRegression (rank-revealing)", new LinearRegression()],
    ["Ridge(alpha=1)", new Ridge()],
    ["Ridge(alpha=30)", new Ridge({ alpha: 30 })],
  ] as const)("%s", async (label, estimator) => {
    const model = estimator.fit(ames.train, ames.yTrain);
    const out = await runOnnx(exportOnnx(model, { inputs: ames.train }), ames.test);
    const diff = maxAbsDiff(numbersOf(out.prediction), model.predict(ames.test));
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    report.add(`ames: ${label}, prediction (dollars)`, diff);
  });
});

describe.each([
  ["breast-cancer", "binary"],
  ["penguins", "multinomial, one-hot inputs"],
  ["letter", "multinomial, 26 classes"],
] as const)("LogisticRegression on %s (%s)", (name, _kind) => {
  it("probabilities and labels", async () => {
    const data = linEncoded<ClassTarget>(name);
    // Parity does not need a converged fit: the default 100 iterations keep letter's fit short.
    const model = new LogisticRegression().fit(data.train, data.yTrain);
    const out = await runOnnx(exportOnnx(model, { inputs: data.train }), data.test);
    const diff = maxAbsDiff(numbersOf(out.probabilities), model.predictProba(data.test));
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(stringsOf(out.label)).toEqual(Array.from(model.predict(data.test), (c) => model.classes[c]!));
    report.add(`${name}: LogisticRegression, probabilities`, diff);
  }, 120_000);
});

describe("inputs", () => {
  it("without `inputs`, the graph takes the columns the model reads, in reading order, with their kinds", () => {
    const data = linEncoded<ClassTarget>("penguins");
    const model = new LogisticRegression().fit(data.train, data.yTrain);
    const exported = buildOnnxExport(model);
    const numeric = data.train.columns.filter((c) => c.kind === "numeric");
    const categorical = data.train.columns.filter((c) => c.kind === "categorical");
    expect(exported.inputs).toEqual(
      [...numeric, ...categorical].map((c) => ({ name: c.name, kind: c.kind })),
    );
  });

  it("with `inputs`, columns the model does not read are still inputs (whole rows are accepted)", async () => {
    const data = referenceSplitOf<ClassTarget>("penguins");
    // The model reads two columns of seven; the graph takes all seven and ignores five.
    const two = selectColumns(data.train, ["flipper_length_mm", "island"]);
    const imputed = new SimpleImputer({ strategy: "median" }).fit(two);
    const model = new LogisticRegression().fit(imputed.transform(two), data.yTrain);
    const pipeline = new FittedPipeline([imputed], model);
    const exported = buildOnnxExport(pipeline, { inputs: data.train });
    expect(exported.inputs.map((c) => c.name)).toEqual(data.train.columns.map((c) => c.name));
    const out = await runOnnx(exportOnnx(pipeline, { inputs: data.train }), data.test);
    expect(maxAbsDiff(numbersOf(out.probabilities), pipeline.predictProba(data.test))).toBeLessThanOrEqual(
      1e-12,
    );
  });

  it("an input named like an output is refused with a clear message", () => {
    const data = linEncoded<Float64Array>("ames");
    const renamed: Frame = {
      nRows: data.train.nRows,
      columns: data.train.columns.map((c, i) => (i === 0 ? { ...c, name: "prediction" } : c)),
    };
    const model = new Ridge().fit(renamed, data.yTrain);
    expect(() => exportOnnx(model, { inputs: renamed })).toThrow("'prediction' is already used");
  });
});

/**
 * A model family outside this module exports itself by implementing `toOnnx` (here a toy nearest
 * class-mean classifier on its feature matrix): no registration, no change to the exporter.
 */
class SquaredDistanceClassifier implements FittedClassifier {
  readonly kind = "toy_squared_distance";
  constructor(
    readonly classes: readonly string[],
    readonly features: readonly FeatureColumn[],
    /** Row-major classes × features. */
    readonly centres: Float64Array,
  ) {}

  predictProba(frame: Frame): Float64Array {
    const k = this.classes.length;
    const d = this.features.length;
    const out = new Float64Array(frame.nRows * k);
    const columns = this.features.map((f) => {
      const c = frame.columns.find((col) => col.name === f.name)!;
      return c.kind === "numeric" ? c.values : new Float64Array();
    });
    for (let i = 0; i < frame.nRows; i++) {
      let sum = 0;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (columns[j]![i]! - this.centres[c * d + j]!) ** 2;
        out[i * k + c] = 1 / (1 + s);
        sum += out[i * k + c]!;
      }
      for (let c = 0; c < k; c++) out[i * k + c]! /= sum;
    }
    return out;
  }

  predict(frame: Frame): Int32Array {
    return argmaxRows(this.predictProba(frame), this.classes.length);
  }

  toJSON(): KindedJson {
    return { kind: this.kind };
  }

  toOnnx(frame: OnnxFrame): OnnxModelOutputs {
    const { graph } = frame;
    const k = this.classes.length;
    const d = this.features.length;
    const x = frame.featureMatrix(this.features);
    const xs = graph.op("Unsqueeze", [x, graph.int64([1])]); // [N, 1, d]
    const diff = graph.op("Sub", [xs, graph.double(this.centres, [k, d])]); // [N, k, d]
    // Opset 17: ReduceSumSquare takes its axes as an attribute, ReduceSum as an input.
    const squared = graph.op("ReduceSumSquare", [diff], {
      axes: { type: "ints", value: [2] },
      keepdims: { type: "int", value: 0 },
    });
    const inverse = graph.op("Reciprocal", [graph.op("Add", [squared, graph.scalar(1, "double")])]);
    const total = graph.op("ReduceSum", [inverse, graph.int64([1])], { keepdims: { type: "int", value: 1 } });
    return { task: "classification", probabilities: graph.op("Div", [inverse, total]), elemType: "double" };
  }
}

describe("the OnnxExportable plug-in point", () => {
  it("a model that implements toOnnx exports, alone and at the end of a pipeline", async () => {
    const data = linEncoded<ClassTarget>("penguins");
    const numeric = data.train.columns.filter((c) => c.kind === "numeric");
    const features = numeric.map((c): FeatureColumn => ({ name: c.name, kind: "numeric", levels: [] }));
    const centres = Float64Array.from({ length: 3 * features.length }, (_, i) => (i % 5) / 5 - 0.4);
    const model = new SquaredDistanceClassifier(data.yTrain.classes, features, centres);
    const out = await runOnnx(exportOnnx(model), data.test);
    const diff = maxAbsDiff(numbersOf(out.probabilities), model.predictProba(data.test));
    expect(diff).toBeLessThanOrEqual(1e-12);
    expect(stringsOf(out.label)).toEqual(Array.from(model.predict(data.test), (c) => model.classes[c]!));

    // Behind fitted preprocessing, on the raw penguins columns (missing values included).
    const raw = referenceSplitOf<ClassTarget>("penguins");
    const steps = [new SimpleImputer({ strategy: "median" }), new StandardScaler()];
    let frame = raw.train;
    const fitted = steps.map((step) => {
      const f = step.fit(frame);
      frame = f.transform(frame);
      return f;
    });
    const pipeline = new FittedPipeline(fitted, model);
    const piped = await runOnnx(exportOnnx(pipeline, { inputs: raw.train }), raw.test);
    expect(maxAbsDiff(numbersOf(piped.probabilities), pipeline.predictProba(raw.test))).toBeLessThanOrEqual(
      1e-12,
    );
  });
});

/**
 * The shape of the tree models' export: the feature matrix (codes for categorical columns, NaN for
 * missing) fed in double to an ai.onnx.ml tree ensemble built with the @gyre/onnx helpers, added
 * with `graph.node`, its float output cast by the export.
 */
class TwoStumps implements FittedRegressor, OnnxExportable {
  readonly kind = "toy_two_stumps";
  readonly features: readonly FeatureColumn[] = [
    { name: "bill_length_mm", kind: "numeric", levels: [] },
    { name: "island", kind: "categorical", levels: ["Biscoe", "Dream", "Torgersen"] },
  ];

  predict(frame: Frame): Float64Array {
    const bill = frame.columns.find((c) => c.name === "bill_length_mm")!;
    const island = frame.columns.find((c) => c.name === "island")!;
    if (bill.kind !== "numeric" || island.kind !== "categorical") throw new Error("unexpected kinds");
    return Float64Array.from(bill.values, (x, i) => {
      const short = Number.isNaN(x) || x <= 42.5 ? 1.25 : -3.5;
      return short + (island.levels[island.codes[i]!] === "Dream" ? 10 : 0);
    });
  }

  toJSON(): KindedJson {
    return { kind: this.kind };
  }

  toOnnx(frame: OnnxFrame): OnnxModelOutputs {
    const x = frame.featureMatrix(this.features);
    const prediction = frame.graph.fresh("trees");
    frame.graph.node(
      treeEnsembleRegressor({
        input: x,
        output: prediction,
        trees: [
          {
            feature: 0,
            threshold: 42.5,
            missingGoesTrue: true,
            whenTrue: { leaf: 1.25 },
            whenFalse: { leaf: -3.5 },
          },
          { feature: 1, threshold: 1, mode: "BRANCH_EQ", whenTrue: { leaf: 10 }, whenFalse: { leaf: 0 } },
        ],
      }),
    );
    return { task: "regression", prediction, elemType: "float" };
  }
}

describe("a tree-ensemble model through the plug-in point", () => {
  it("reads numeric and categorical features with missing values as the tree models do", async () => {
    const data = referenceSplitOf<ClassTarget>("penguins");
    const model = new TwoStumps();
    const exported = buildOnnxExport(model);
    expect(exported.model.opsetImports.map((o) => o.domain)).toEqual(["", "ai.onnx.ml"]);
    const out = await runOnnx(exportOnnx(model), data.test);
    expect(maxAbsDiff(numbersOf(out.prediction), model.predict(data.test))).toBe(0);
  });
});
