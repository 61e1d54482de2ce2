/**
 * `toModelDir` writes a directory the serving package loads as it is: the serving runtime (imported
 * from its sources; @gyre/ml does not depend on it) maps the column signature onto the graph's
 * inputs and scores the original CSV lines of the test rows, through its CSV decoder, and the
 * manifest's input example, through its MLflow JSON decoder, to the TypeScript pipeline's output.
 */

import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelRuntime, type Prediction, tableToBatch } from "../../serving/src/index.js";
import { parseCsv as parseServingCsv } from "../../serving/src/protocols/csv.js";
import type { Table } from "../../serving/src/protocols/decode.js";
import { decodeMlflowJson } from "../../serving/src/protocols/mlflow.js";
import type { ClassTarget } from "../src/data/target.js";
import { Ridge } from "../src/linear/least-squares.js";
import { linearModelLoaders } from "../src/linear/loaders.js";
import { LogisticRegression } from "../src/linear/logistic.js";
import { MODEL_MANIFEST_FILE, PIPELINE_JSON_FILE, toModelDir } from "../src/onnx/model-dir.js";
import { FittedPipeline, Pipeline } from "../src/pipeline/pipeline.js";
import { linEncoding } from "../src/preprocess/reference-encodings.js";
import { maxAbsDiff } from "./onnx-support.js";
import { DATA_DIR, referenceSplitOf } from "./reference-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "gyre-ml-model-dir-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The CSV file's lines for some rows, without the target column, as the serving CSV decoder reads them. */
function csvRows(file: string, target: string, rows: Uint32Array): Table {
  const table = parseServingCsv(readFileSync(join(DATA_DIR, file), "utf8"));
  const keep = table.columns!.map((name, j) => ({ name, j })).filter((c) => c.name !== target);
  return {
    rows: rows.length,
    columns: keep.map((c) => c.name),
    width: keep.length,
    cell: (row, column) => table.cell(rows[row]!, keep[column]!.j),
    text: true,
  };
}

const output = (prediction: Prediction, name: string) => prediction.outputs.find((o) => o.name === name)!;

describe("penguins: lin + LogisticRegression as a served model", () => {
  const data = referenceSplitOf<ClassTarget>("penguins");
  const pipeline = new Pipeline(linEncoding(), new LogisticRegression()).fit(data.train, data.yTrain);
  let runtime: ModelRuntime;
  let dir: string;
  beforeAll(async () => {
    dir = join(root, "penguins");
    await toModelDir(pipeline, dir, { inputExample: data.train });
    runtime = await ModelRuntime.load(dir);
  });
  afterAll(() => runtime.release());

  it("writes a manifest with a column signature, the input example and the outputs", async () => {
    const manifest = JSON.parse(await readFile(join(dir, MODEL_MANIFEST_FILE), "utf8"));
    expect(manifest.format).toBe("onnx");
    expect(manifest.model_file).toBe("model.onnx");
    expect(manifest.signature.inputs).toEqual([
      { name: "island", type: "string" },
      { name: "bill_length_mm", type: "double" },
      { name: "bill_depth_mm", type: "double" },
      { name: "flipper_length_mm", type: "double" },
      { name: "body_mass_g", type: "double" },
      { name: "sex", type: "string" },
      { name: "year", type: "double" },
    ]);
    expect(manifest.signature.outputs).toEqual([
      { name: "label", type: "string", shape: [-1] },
      { name: "probabilities", type: "float64", shape: [-1, 3] },
    ]);
    expect(manifest.input_example.columns).toEqual(
      manifest.signature.inputs.map((c: { name: string }) => c.name),
    );
    expect(manifest.input_example.data).toHaveLength(5);
    expect(manifest.metadata).toMatchObject({
      task: "classification",
      classes: ["Adelie", "Chinstrap", "Gentoo"],
    });
    expect(runtime.signatureDeclared).toBe(true);
    expect(runtime.schema.kind).toBe("columns");
  });

  it("scores the test rows' original CSV lines like the TypeScript pipeline", async () => {
    const prediction = await runtime.predict(
      tableToBatch(runtime.schema, csvRows("penguins.csv", "species", data.split.test)),
    );
    const expected = pipeline.predictProba(data.test);
    expect(
      maxAbsDiff(output(prediction, "probabilities").data as Float64Array, expected),
    ).toBeLessThanOrEqual(1e-12);
    expect(output(prediction, "label").data).toEqual(
      Array.from(pipeline.predict(data.test), (c) => pipeline.model.classes[c]!),
    );
  });

  it("scores the manifest's input example (MLflow dataframe_split) like the TypeScript pipeline", async () => {
    const manifest = JSON.parse(await readFile(join(dir, MODEL_MANIFEST_FILE), "utf8"));
    const { batch } = decodeMlflowJson(runtime.schema, { dataframe_split: manifest.input_example });
    const prediction = await runtime.predict(batch);
    const expected = pipeline.predictProba(data.train).subarray(0, 5 * 3);
    expect(
      maxAbsDiff(output(prediction, "probabilities").data as Float64Array, expected),
    ).toBeLessThanOrEqual(1e-12);
  });

  it("keeps the TypeScript pipeline next to the ONNX file", async () => {
    const saved = JSON.parse(await readFile(join(dir, PIPELINE_JSON_FILE), "utf8"));
    const reloaded = FittedPipeline.fromJSON(saved, linearModelLoaders);
    expect(reloaded.predict(data.test)).toEqual(pipeline.predict(data.test));
  });
});

describe("ames: lin + Ridge as a served model", () => {
  it("scores the test rows' CSV lines (40 string columns) like the TypeScript pipeline", async () => {
    const data = referenceSplitOf<Float64Array>("ames");
    const pipeline = new Pipeline(linEncoding(), new Ridge()).fit(data.train, data.yTrain);
    const dir = join(root, "ames");
    await toModelDir(pipeline, dir, { inputExample: data.train });
    const runtime = await ModelRuntime.load(dir);
    try {
      const prediction = await runtime.predict(
        tableToBatch(runtime.schema, csvRows("ames.csv", "Sale_Price", data.split.test)),
      );
      const diff = maxAbsDiff(
        output(prediction, "prediction").data as Float64Array,
        pipeline.predict(data.test),
      );
      expect(diff).toBeLessThanOrEqual(1e-5);
    } finally {
      await runtime.release();
    }
  });
});
