import { describe, expect, it } from "vitest";
import { parseCsv } from "../src/data/csv.js";
import { FLIGHTS_FEATURES, loadDataset } from "../src/data/datasets.js";
import { parseDateTime } from "../src/data/datetime.js";
import { buildDesign, featureNames, toDenseRowMajor } from "../src/data/design-matrix.js";
import { classTargetOf } from "../src/data/target.js";
import { categoricalColumnOf, numericColumnOf } from "../src/frame/access.js";
import { categoricalColumn, frameFromArrays } from "../src/frame/build.js";
import { selectColumns, takeRows } from "../src/frame/rows.js";
import { DATA_DIR } from "./reference-fixtures.js";

describe("CSV reader", () => {
  it("types columns by content: numbers are numeric, anything else categorical with sorted levels", () => {
    const frame = parseCsv('a,b,c\n1,"x",2.5e3\n-2,"y ""q""",NA\n,x,.5\n');
    expect(frame.nRows).toBe(3);
    expect(Array.from(numericColumnOf(frame, "a").values)).toEqual([1, -2, Number.NaN]);
    expect(Array.from(numericColumnOf(frame, "c").values)).toEqual([2500, Number.NaN, 0.5]);
    const b = categoricalColumnOf(frame, "b");
    expect(b.levels).toEqual(["x", 'y "q"']);
    expect(Array.from(b.codes)).toEqual([0, 1, 0]);
  });

  it("keeps text that only looks numeric to Number() as categorical", () => {
    const frame = parseCsv("a,b,c\n0x10,Infinity, 1\n2,3,4\n");
    expect(frame.columns.map((c) => c.kind)).toEqual(["categorical", "categorical", "categorical"]);
  });

  it("handles CRLF, quoted line breaks, a BOM, blank lines and a last line without newline", () => {
    const frame = parseCsv('\uFEFFid,text\r\n1,"two\r\nlines"\r\n\r\n2,plain');
    expect(frame.nRows).toBe(2);
    expect(categoricalColumnOf(frame, "text").levels).toEqual(["plain", "two\r\nlines"]);
  });

  it("applies schema overrides, missing tokens and column subsets", () => {
    const text = "when,code,n\n2001-01-01 00:01,007,-\n2001-07-01T12:30:15Z,008,3\n";
    const frame = parseCsv(text, {
      schema: { when: "datetime", code: "categorical" },
      missing: ["-"],
      columns: ["code", "when", "n"],
    });
    expect(frame.columns.map((c) => c.name)).toEqual(["code", "when", "n"]);
    expect(categoricalColumnOf(frame, "code").levels).toEqual(["007", "008"]);
    expect(Array.from(numericColumnOf(frame, "when").values)).toEqual([
      Date.UTC(2001, 0, 1, 0, 1),
      Date.UTC(2001, 6, 1, 12, 30, 15),
    ]);
    expect(Array.from(numericColumnOf(frame, "n").values)).toEqual([Number.NaN, 3]);
  });

  it("reports malformed input with its line", () => {
    expect(() => parseCsv("a,b\n1,2\n3\n")).toThrow(/line 3: 1 fields/);
    expect(() => parseCsv("a,b\n1,2,3\n")).toThrow(/line 2: more fields/);
    expect(() => parseCsv('a\n"open\n')).toThrow(/unterminated/);
    expect(() => parseCsv("a\nx\n", { schema: { a: "numeric" } })).toThrow(/'x' is not a number/);
    expect(() => parseCsv("a\nx\n", { schema: { b: "numeric" } })).toThrow(/Schema names column 'b'/);
  });

  it("parses date-times as UTC wall-clock time and rejects anything else", () => {
    expect(parseDateTime("2001-03-04")).toBe(Date.UTC(2001, 2, 4));
    expect(parseDateTime("2001-03-04 05:06:07.250")).toBe(Date.UTC(2001, 2, 4, 5, 6, 7, 250));
    for (const bad of ["2001-13-01", "2001/03/04", "2001-03-04 5:06", "2001-03-04 05:06x"]) {
      expect(parseDateTime(bad)).toBeNaN();
    }
  });
});

describe("frames from arrays, row selection, design matrices", () => {
  const frame = frameFromArrays({
    x: [1, null, 3],
    color: ["red", "blue", null],
    z: Float64Array.of(0.5, 1.5, 2.5),
  });

  it("builds numeric and categorical columns, null as missing", () => {
    expect(frame.columns.map((c) => c.kind)).toEqual(["numeric", "categorical", "numeric"]);
    expect(Array.from(numericColumnOf(frame, "x").values)).toEqual([1, Number.NaN, 3]);
    const color = categoricalColumnOf(frame, "color");
    expect([color.levels, Array.from(color.codes)]).toEqual([
      ["blue", "red"],
      [1, 0, -1],
    ]);
    expect(() => frameFromArrays({ a: [1, 2], b: [1] })).toThrow(/has 1 rows, expected 2/);
    expect(() => categoricalColumn("c", ["a"], ["b"])).toThrow(/not one of its levels/);
  });

  it("takes rows by typed index arrays, keeping the dictionaries", () => {
    const taken = takeRows(frame, Uint32Array.of(2, 0, 0));
    expect(Array.from(numericColumnOf(taken, "z").values)).toEqual([2.5, 0.5, 0.5]);
    expect(Array.from(categoricalColumnOf(taken, "color").codes)).toEqual([-1, 1, 1]);
    expect(() => takeRows(frame, Uint32Array.of(3))).toThrow(/out of range/);
  });

  it("lays out dense columns first, then one-hot blocks, and expands to a dense matrix", () => {
    const f = frameFromArrays({ color: ["red", "blue", "red"], x: [1, 2, 3] });
    const design = buildDesign(f);
    expect(featureNames({ dense: ["x"], oneHot: [{ column: "color", levels: ["blue", "red"] }] })).toEqual([
      "x",
      "color=blue",
      "color=red",
    ]);
    expect(Array.from(toDenseRowMajor(design))).toEqual([1, 0, 1, 2, 1, 0, 3, 0, 1]);
    expect(() => buildDesign(frameFromArrays({ x: [1, null] }))).toThrow(/impute first/);
  });

  it("maps categorical codes by level name when a frame's dictionary differs from the layout", () => {
    const layout = { dense: [], oneHot: [{ column: "c", levels: ["a", "b"] }] };
    const other = frameFromArrays({ c: ["b", "zzz", "a"] });
    expect(Array.from(buildDesign(other, layout).blocks[0]!.codes)).toEqual([1, -1, 0]);
  });

  it("numeric targets become sorted string classes", () => {
    const t = classTargetOf({ kind: "numeric", name: "y", values: Float64Array.of(1, 0, 1) });
    expect([t.classes, Array.from(t.codes)]).toEqual([
      ["0", "1"],
      [1, 0, 1],
    ]);
  });
});

describe("shared data set loaders", () => {
  it("define the reference targets and features", () => {
    const penguins = loadDataset("penguins", DATA_DIR);
    expect(penguins.task).toBe("multiclass");
    expect(penguins.task !== "regression" && penguins.target.classes).toEqual([
      "Adelie",
      "Chinstrap",
      "Gentoo",
    ]);
    expect(penguins.features.columns.map((c) => c.name)).toEqual([
      "island",
      "bill_length_mm",
      "bill_depth_mm",
      "flipper_length_mm",
      "body_mass_g",
      "sex",
      "year",
    ]);
    const ames = loadDataset("ames", DATA_DIR);
    expect(ames.task).toBe("regression");
    expect(ames.features.columns.length).toBe(73);
    expect(ames.features.columns.filter((c) => c.kind === "categorical").length).toBe(40);
    const bc = loadDataset("breast-cancer", DATA_DIR);
    expect([bc.task, bc.features.nRows, bc.features.columns.length]).toEqual(["binary", 569, 30]);
  });

  it("derives the flights features from the departure time (every 5th row for 200k)", () => {
    const flights = loadDataset("flights-200k", DATA_DIR);
    expect(flights.features.nRows).toBe(200_000);
    expect(flights.features.columns.map((c) => c.name)).toEqual(FLIGHTS_FEATURES);
    // Row 0 of flights-1m.csv: 2001-01-01 00:01 (a Monday), 215 miles, ATL → SAV, delay 19.
    const first = selectColumns(takeRows(flights.features, Uint32Array.of(0)), [
      "month",
      "day_of_month",
      "day_of_week",
      "dep_hour",
      "distance",
    ]);
    expect(first.columns.map((c) => (c.kind === "numeric" ? c.values[0] : undefined))).toEqual([
      1,
      1,
      0,
      1 / 60,
      215,
    ]);
    expect(categoricalColumnOf(flights.features, "origin").levels.length).toBe(228);
    const late = flights.task === "binary" ? flights.target.codes : new Int32Array();
    expect(late[0]).toBe(1);
    const rate = late.reduce((a, b) => a + b, 0) / late.length;
    expect(rate).toBeGreaterThan(0.2);
    expect(rate).toBeLessThan(0.22);
  });
});
