/**
 * Whole pipelines exported as one graph, run in onnxruntime-node on the reference test split of the
 * shared data sets, against the TypeScript pipeline: `lin` encoding (median imputer, standard
 * scaler, one-hot encoder with a missing level) + LogisticRegression on breast-cancer, penguins
 * (missing numbers and categories) and letter (26 classes); + Ridge on ames (40 categorical
 * columns). Inputs are the raw columns, categories as their strings.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { Ridge } from "../src/linear/least-squares.js";
import { linearModelLoaders } from "../src/linear/loaders.js";
import { buildOnnxExport, exportOnnx } from "../src/onnx/export.js";
import { FittedPipeline, Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { maxAbsDiff, numbersOf, ParityReport, runOnnx, stringsOf } from "./onnx-support.js";
import { fitReferenceLogistic, referenceSplitOf } from "./reference-fixtures.js";

const TOLERANCE = 1e-5;
const report = new ParityReport();
afterAll(() => report.print("ONNX parity, whole pipelines (reference test split)"));

describe.each(["breast-cancer", "penguins", "letter"] as const)("lin + LogisticRegression on %s", (name) => {
  it("gives the TypeScript probabilities and labels", async () => {
    const { data, pipeline, proba, predicted } = fitReferenceLogistic(name);
    const bytes = exportOnnx(pipeline, { inputs: data.train });
    const out = await runOnnx(bytes, data.test);

    const classes = pipeline.model.classes;
    expect(out.probabilities!.dims).toEqual([data.test.nRows, classes.length]);
    const diff = maxAbsDiff(numbersOf(out.probabilities), proba);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(stringsOf(out.label)).toEqual(Array.from(predicted, (c) => classes[c]!));
    report.add(`${name}: lin + LogisticRegression, probabilities`, diff, `${data.test.nRows} rows`);
  }, 120_000); // letter's reference fit (1000 L-BFGS iterations, 26 classes) takes seconds
});

describe("lin + Ridge on ames", () => {
  const data = referenceSplitOf<Float64Array>("ames");
  const pipeline = new Pipeline(linEncoding(), new Ridge()).fit(data.train, data.yTrain);

  it("gives the TypeScript predictions", async () => {
    const out = await runOnnx(exportOnnx(pipeline, { inputs: data.train }), data.test);
    const expected = pipeline.predict(data.test);
    expect(out.prediction!.dims).toEqual([data.test.nRows]);
    const diff = maxAbsDiff(numbersOf(out.prediction), expected);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    report.add("ames: lin + Ridge(alpha=1), prediction (dollars)", diff, `${data.test.nRows} rows`);
  });

  it("exports the same graph from a pipeline reloaded from JSON", () => {
    const reloaded = FittedPipeline.fromJSON(
      JSON.parse(JSON.stringify(pipeline.toJSON())),
      linearModelLoaders,
    );
    expect(exportOnnx(reloaded, { inputs: data.train })).toEqual(
      exportOnnx(pipeline, { inputs: data.train }),
    );
  });

  it("declares one input per column: numbers as double, categories as string", () => {
    const exported = buildOnnxExport(pipeline, { inputs: data.train });
    expect(exported.inputs.map((c) => c.name)).toEqual(data.train.columns.map((c) => c.name));
    expect(exported.inputs.map((c) => c.kind)).toEqual(data.train.columns.map((c) => c.kind));
    const graphInputs = exported.model.graph.inputs;
    expect(
      graphInputs.every(
        (i) =>
          i.elemType ===
          (data.train.columns.find((c) => c.name === i.name)!.kind === "numeric" ? "double" : "string"),
      ),
    ).toBe(true);
  });
});

describe("unseen and missing values", () => {
  it("penguins: unknown islands encode as zeros and missing strings as the missing level, as in TypeScript", async () => {
    const { data, pipeline } = fitReferenceLogistic("penguins");
    const rows = data.test;
    // Rewrite the test rows' island column: an unseen level, and missing in both spellings.
    const islandIndex = rows.columns.findIndex((c) => c.name === "island");
    const island = rows.columns[islandIndex]!;
    if (island.kind !== "categorical") throw new Error("island is categorical");
    const levels = [...island.levels, "Atlantis"];
    const codes = island.codes.slice();
    codes[0] = levels.length - 1;
    codes[1] = -1;
    const edited = {
      nRows: rows.nRows,
      columns: rows.columns.map((c, i) => (i === islandIndex ? { ...island, levels, codes } : c)),
    };
    const expected = pipeline.predictProba(edited);
    const bytes = exportOnnx(pipeline, { inputs: data.train });
    for (const missing of ["", "NA"]) {
      const out = await runOnnx(bytes, edited, missing);
      expect(maxAbsDiff(numbersOf(out.probabilities), expected)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("the classes come out as the label strings of the target", () => {
    const { pipeline, data } = fitReferenceLogistic("penguins");
    const exported = buildOnnxExport(pipeline, { inputs: data.train });
    expect(exported.classes).toEqual((data.yTrain as ClassTarget).classes);
    expect(exported.outputs.map((o) => [o.name, o.elemType])).toEqual([
      ["label", "string"],
      ["probabilities", "double"],
    ]);
  });
});
