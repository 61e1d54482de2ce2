/**
 * Every preprocessing transformer exported on its own (and the `ord` chain), run in onnxruntime-node
 * and compared column by column with `transform`: numbers bit for bit (the graph does the same double
 * operations), one-hot blocks against `expandOneHot`, categorical columns against their level strings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCsv } from "../src/data/csv.js";
import { frameOf, numericColumn } from "../src/frame/build.js";
import type { Frame } from "../src/frame/frame.js";
import { buildOnnxExport, exportOnnx, type OnnxExportTarget } from "../src/onnx/export.js";
import { DATE_PARTS, DateParts } from "../src/preprocess/date-parts.js";
import { expandOneHot, OneHotEncoder, OrdinalEncoder } from "../src/preprocess/encode.js";
import { SimpleImputer } from "../src/preprocess/impute.js";
import { ordEncoding } from "../src/preprocess/reference-encodings.js";
import { MinMaxScaler, StandardScaler } from "../src/preprocess/scale.js";
import type { FittedTransformer } from "../src/preprocess/transformer.js";
import { maxAbsDiff, numbersOf, ParityReport, runOnnx, stringsOf } from "./onnx-support.js";
import { DATA_DIR, referenceSplitOf } from "./reference-fixtures.js";

const report = new ParityReport();
afterAll(() => report.print("ONNX parity, transformers on their own (reference test split)"));

function transformAll(target: FittedTransformer | readonly FittedTransformer[], frame: Frame): Frame {
  const steps = Array.isArray(target) ? target : [target as FittedTransformer];
  return steps.reduce((f, step) => step.transform(f), frame);
}

/**
 * Runs the export on `test` and compares every output column with `transform`; returns the largest
 * numeric difference. `oneHot` names the columns the graph outputs as indicator blocks.
 */
async function compare(
  target: FittedTransformer | readonly FittedTransformer[],
  train: Frame,
  test: Frame,
  oneHot: readonly string[] = [],
): Promise<number> {
  const exported = buildOnnxExport(target as OnnxExportTarget, { inputs: train });
  const out = await runOnnx(exportOnnx(target as OnnxExportTarget, { inputs: train }), test);
  const expected = transformAll(target, test);
  expect(exported.outputs.map((o) => o.name)).toEqual(expected.columns.map((c) => `${c.name}_out`));
  let worst = 0;
  for (const c of expected.columns) {
    const actual = out[`${c.name}_out`];
    if (c.kind === "numeric") {
      worst = Math.max(worst, maxAbsDiff(numbersOf(actual), c.values));
    } else if (oneHot.includes(c.name)) {
      const block = expandOneHot({ nRows: expected.nRows, columns: [c] });
      const n = expected.nRows;
      const k = c.levels.length;
      expect(actual!.dims).toEqual([n, k]);
      const rowMajor = new Float64Array(n * k);
      block.columns.forEach((col, j) => {
        if (col.kind === "numeric") for (let i = 0; i < n; i++) rowMajor[i * k + j] = col.values[i]!;
      });
      worst = Math.max(worst, maxAbsDiff(numbersOf(actual), rowMajor));
    } else {
      expect(stringsOf(actual)).toEqual(Array.from(c.codes, (code) => (code < 0 ? "" : c.levels[code]!)));
    }
  }
  return worst;
}

const penguins = referenceSplitOf("penguins");
const ames = referenceSplitOf("ames");
const breastCancer = referenceSplitOf("breast-cancer");

describe("SimpleImputer", () => {
  it.each(["mean", "median", "most_frequent"] as const)(
    "%s on penguins' numeric columns: bit for bit",
    async (strategy) => {
      const numeric = penguins.train.columns.filter((c) => c.kind === "numeric").map((c) => c.name);
      const fitted = new SimpleImputer({ strategy, columns: numeric }).fit(penguins.train);
      const diff = await compare(fitted, penguins.train, penguins.test);
      expect(diff).toBe(0);
      report.add(`SimpleImputer(${strategy}), penguins numeric`, diff);
    },
  );

  it("most_frequent and constant on categorical columns: levels, unseen strings kept", async () => {
    const frequent = new SimpleImputer({ strategy: "most_frequent", columns: ["sex", "island"] }).fit(
      penguins.train,
    );
    expect(await compare(frequent, penguins.train, penguins.test)).toBe(0);
    const constant = new SimpleImputer({ strategy: "constant", columns: ["sex"] }).fit(penguins.train);
    expect(await compare(constant, penguins.train, penguins.test)).toBe(0);
    // An island the training rows never had passes through the imputer unchanged.
    const islands = frameOf([
      { kind: "categorical", name: "sex", codes: Int32Array.of(-1, 0, 1), levels: ["female", "male"] },
      { kind: "categorical", name: "island", codes: Int32Array.of(0, -1, 1), levels: ["Atlantis", "Dream"] },
    ]);
    expect(await compare(frequent, islands, islands)).toBe(0);
    report.add("SimpleImputer(most_frequent|constant), penguins categorical", 0, "strings equal");
  });

  it("constant on numeric columns", async () => {
    const numeric = penguins.train.columns.filter((c) => c.kind === "numeric").map((c) => c.name);
    const fitted = new SimpleImputer({ strategy: "constant", fillValue: -7.5, columns: numeric }).fit(
      penguins.train,
    );
    expect(await compare(fitted, penguins.train, penguins.test)).toBe(0);
  });
});

describe("scalers", () => {
  it.each([
    ["StandardScaler", new StandardScaler()],
    ["MinMaxScaler", new MinMaxScaler()],
    ["MinMaxScaler(-1, 1)", new MinMaxScaler({ featureRange: [-1, 1] })],
  ] as const)("%s on breast-cancer: bit for bit", async (label, scaler) => {
    const diff = await compare(scaler.fit(breastCancer.train), breastCancer.train, breastCancer.test);
    expect(diff).toBe(0);
    report.add(`${label}, breast-cancer (30 columns)`, diff);
  });

  it("NaN passes through a scaler", async () => {
    const fitted = new StandardScaler().fit(penguins.train);
    expect(await compare(fitted, penguins.train, penguins.test)).toBe(0);
  });
});

describe("OneHotEncoder", () => {
  it("observed levels on ames: unseen test levels become zeros", async () => {
    const fitted = new OneHotEncoder().fit(ames.train);
    const categorical = ames.train.columns.filter((c) => c.kind === "categorical").map((c) => c.name);
    // The case this test is about exists: test rows whose level the training rows never had.
    const encoded = fitted.transform(ames.test);
    const unseen = categorical.reduce((n, name) => {
      const before = ames.test.columns.find((c) => c.name === name)!;
      const after = encoded.columns.find((c) => c.name === name)!;
      if (before.kind !== "categorical" || after.kind !== "categorical") return n;
      return n + before.codes.filter((code, i) => code >= 0 && after.codes[i]! < 0).length;
    }, 0);
    expect(unseen).toBeGreaterThan(0);
    const diff = await compare(fitted, ames.train, ames.test, categorical);
    expect(diff).toBe(0);
    report.add(`OneHotEncoder(observed), ames (${categorical.length} columns)`, diff);
  });

  it("with a missing level on penguins", async () => {
    const fitted = new OneHotEncoder({ categories: "dictionary", missing: "category" }).fit(penguins.train);
    const diff = await compare(fitted, penguins.train, penguins.test, ["island", "sex"]);
    expect(diff).toBe(0);
    report.add("OneHotEncoder(dictionary, missing level), penguins", diff);
  });
});

describe("OrdinalEncoder", () => {
  it("on ames, unseen levels as unknownValue", async () => {
    const fitted = new OrdinalEncoder({ unknownValue: -1 }).fit(ames.train);
    const diff = await compare(fitted, ames.train, ames.test);
    expect(diff).toBe(0);
    report.add("OrdinalEncoder(observed, unknown -1), ames", diff);
  });

  it("missing as NaN, or as the __missing__ code", async () => {
    for (const missing of ["zeros", "category"] as const) {
      const fitted = new OrdinalEncoder({ missing, unknownValue: 0.1 }).fit(penguins.train);
      expect(await compare(fitted, penguins.train, penguins.test)).toBe(0);
    }
    report.add("OrdinalEncoder(missing NaN | level), penguins", 0);
  });

  it("the ord chain (median imputer + ordinal encoder) on ames, as one graph", async () => {
    const chain = ordEncoding().reduce<{ fitted: FittedTransformer[]; frame: Frame }>(
      ({ fitted, frame }, step) => {
        const f = step.fit(frame);
        return { fitted: [...fitted, f], frame: f.transform(frame) };
      },
      { fitted: [], frame: ames.train },
    ).fitted;
    const diff = await compare(chain, ames.train, ames.test);
    expect(diff).toBe(0);
    report.add("ord encoding chain, ames", diff);
  });
});

describe("DateParts", () => {
  /** The first 20,000 departure times of flights-1m.csv. */
  function flightDates(): Frame {
    const text = readFileSync(join(DATA_DIR, "flights-1m.csv"), "utf8");
    const head = text.slice(0, text.split("\n", 20_001).join("\n").length);
    return parseCsv(head, { schema: { date: "datetime" }, columns: ["date", "distance"] });
  }

  const everyPart = Object.fromEntries(DATE_PARTS.map((p) => [`date_${p}`, p]));

  it("every part of the flights departure times: bit for bit", async () => {
    const dates = flightDates();
    const fitted = new DateParts({ column: "date", parts: everyPart }).fit();
    const diff = await compare(fitted, dates, dates);
    expect(diff).toBe(0);
    report.add(`DateParts(all ${DATE_PARTS.length} parts), 20,000 flights departures`, diff);
  });

  it("leap days, century years, dates before 1970 and NaN", async () => {
    const instants = [
      "1600-02-29T23:59:59.999Z",
      "1899-12-31T12:00:00Z",
      "1900-03-01T00:00:00Z",
      "1969-12-31T23:59:59Z",
      "1970-01-01T00:00:00Z",
      "2000-02-29T13:45:30Z",
      "2000-12-31T23:00:00Z",
      "2024-12-31T06:07:08Z",
      "2100-03-01T00:00:00Z",
      "2400-12-31T18:30:00Z",
    ].map((s) => Date.parse(s));
    const frame = frameOf([
      numericColumn("t", [...instants, Number.NaN]),
      numericColumn("x", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    ]);
    const fitted = new DateParts({ column: "t", parts: everyPart, keepSource: true });
    expect(await compare(fitted, frame, frame)).toBe(0);
  });
});
