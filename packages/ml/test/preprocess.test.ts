import { describe, expect, it } from "vitest";
import { categoricalColumnOf, numericColumnOf } from "../src/frame/access.js";
import { frameFromArrays } from "../src/frame/build.js";
import type { Frame } from "../src/frame/frame.js";
import { DateParts } from "../src/preprocess/date-parts.js";
import { expandOneHot, MISSING_LEVEL, OneHotEncoder, OrdinalEncoder } from "../src/preprocess/encode.js";
import { medianInPlace, SimpleImputer } from "../src/preprocess/impute.js";
import { transformerFromJSON } from "../src/preprocess/registry.js";
import { MinMaxScaler, StandardScaler } from "../src/preprocess/scale.js";
import type { FittedTransformer } from "../src/preprocess/transformer.js";

const values = (f: Frame, name: string) => Array.from(numericColumnOf(f, name).values);
const levelsAt = (f: Frame, name: string) => {
  const c = categoricalColumnOf(f, name);
  return Array.from(c.codes, (code) => (code < 0 ? null : c.levels[code]));
};

/** A fitted transformer must survive JSON and transform identically afterwards. */
function roundTrip(fitted: FittedTransformer, frame: Frame): Frame {
  const loaded = transformerFromJSON(JSON.parse(JSON.stringify(fitted.toJSON())));
  const out = fitted.transform(frame);
  expect(loaded.transform(frame)).toEqual(out);
  return out;
}

describe("SimpleImputer", () => {
  const train = frameFromArrays({ x: [1, null, 4, 4, 10], c: ["b", "a", null, "b", "a"] });

  it.each([
    ["mean", 19 / 4],
    ["median", 4],
    ["most_frequent", 4],
    ["constant", 0],
  ] as const)("%s fills numeric NaN with %d", (strategy, fill) => {
    const out = roundTrip(new SimpleImputer({ strategy, columns: ["x"] }).fit(train), train);
    expect(values(out, "x")).toEqual([1, fill, 4, 4, 10]);
  });

  it("most_frequent on categories breaks ties towards the smallest level; constant adds its level", () => {
    const frequent = roundTrip(new SimpleImputer({ strategy: "most_frequent" }).fit(train), train);
    expect(levelsAt(frequent, "c")).toEqual(["b", "a", "a", "b", "a"]);
    const constant = roundTrip(
      new SimpleImputer({ strategy: "constant", fillValue: "none", columns: ["c"] }).fit(train),
      train,
    );
    expect(levelsAt(constant, "c")).toEqual(["b", "a", "none", "b", "a"]);
  });

  it("mean/median leave categorical columns alone and refuse them when named", () => {
    const out = new SimpleImputer({ strategy: "median" }).fit(train).transform(train);
    expect(levelsAt(out, "c")).toEqual(levelsAt(train, "c"));
    expect(() => new SimpleImputer({ strategy: "mean", columns: ["c"] }).fit(train)).toThrow(
      /expected numeric/,
    );
    expect(() => new SimpleImputer().fit(frameFromArrays({ x: [null, null] }))).toThrow(/no observed value/);
  });

  it("medianInPlace agrees with sorting, odd and even counts, with duplicates", () => {
    let seed = 1;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + (trial % 37);
      const a = Float64Array.from({ length: n }, () => {
        seed = (seed * 16807) % 2147483647;
        return seed % 7;
      });
      const sorted = a.slice().sort();
      const expected = n % 2 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
      expect(medianInPlace(a)).toBe(expected);
    }
  });
});

describe("scalers", () => {
  const train = frameFromArrays({ x: [1, 2, 3, 6], k: [5, 5, 5, 5], gap: [0, null, 2, 4] });

  it("StandardScaler uses the population std and maps a constant column's std to 1", () => {
    const fitted = new StandardScaler().fit(train);
    const out = roundTrip(fitted, train);
    const sd = Math.sqrt((4 + 1 + 0 + 9) / 4); // population std of 1, 2, 3, 6 (mean 3)
    expect(values(out, "x")).toEqual([1, 2, 3, 6].map((v) => (v - 3) / sd));
    expect(values(out, "k")).toEqual([0, 0, 0, 0]);
    expect(values(out, "gap")[1]).toBeNaN();
  });

  it("MinMaxScaler maps the training range onto the feature range", () => {
    const out = roundTrip(new MinMaxScaler({ featureRange: [-1, 1], columns: ["x", "k"] }).fit(train), train);
    expect(values(out, "x")).toEqual([-1, -0.6, -0.2, 1]);
    expect(values(out, "k")).toEqual([-1, -1, -1, -1]);
  });
});

describe("encoders", () => {
  const train = frameFromArrays({ c: ["b", "a", null, "b"] });
  const later = frameFromArrays({ c: ["a", "z", null, "b"] });

  it("one-hot: fitted vocabulary, unknown → all zeros (or an error), missing → its own level", () => {
    const fitted = new OneHotEncoder({ missing: "category" }).fit(train);
    const out = roundTrip(fitted, later);
    expect(categoricalColumnOf(out, "c").levels).toEqual([MISSING_LEVEL, "a", "b"]);
    expect(levelsAt(out, "c")).toEqual(["a", null, MISSING_LEVEL, "b"]);
    expect(expandOneHot(out).columns.map((c) => c.name)).toEqual([`c=${MISSING_LEVEL}`, "c=a", "c=b"]);
    expect(values(expandOneHot(out), "c=a")).toEqual([1, 0, 0, 0]);
    expect(() => new OneHotEncoder({ handleUnknown: "error" }).fit(train).transform(later)).toThrow(
      /unknown level 'z'/,
    );
  });

  it("one-hot 'dictionary' keeps levels absent from the training rows", () => {
    const withDictionary = {
      nRows: 2,
      columns: [{ kind: "categorical" as const, name: "c", codes: Int32Array.of(0, 0), levels: ["a", "b"] }],
    };
    expect(
      categoricalColumnOf(new OneHotEncoder().fit(withDictionary).transform(withDictionary), "c").levels,
    ).toEqual(["a"]);
    const all = new OneHotEncoder({ categories: "dictionary" }).fit(withDictionary).transform(withDictionary);
    expect(categoricalColumnOf(all, "c").levels).toEqual(["a", "b"]);
  });

  it("ordinal: sorted codes, a configurable unknown code, NaN for missing", () => {
    const out = roundTrip(new OrdinalEncoder({ unknownValue: 99 }).fit(train), later);
    expect(values(out, "c")).toEqual([0, 99, Number.NaN, 1]);
    const withMissing = roundTrip(new OrdinalEncoder({ missing: "category" }).fit(train), later);
    expect(values(withMissing, "c")).toEqual([1, -1, 0, 2]);
  });
});

describe("DateParts", () => {
  it("extracts calendar parts (Monday = 0) in place of the source column", () => {
    const t = [Date.UTC(2001, 0, 1, 0, 1), Date.UTC(2004, 1, 29, 23, 45, 36), Number.NaN];
    const frame = frameFromArrays({ a: [1, 2, 3], when: t });
    const parts = new DateParts({
      column: "when",
      parts: {
        y: "year",
        m: "month",
        d: "day",
        dow: "weekday",
        h: "hour",
        min: "minute",
        fh: "fractional_hour",
        doy: "day_of_year",
      },
    });
    const out = roundTrip(parts.fit(), frame);
    expect(out.columns.map((c) => c.name)).toEqual(["a", "y", "m", "d", "dow", "h", "min", "fh", "doy"]);
    const row = (i: number) =>
      out.columns.slice(1).map((c) => (c.kind === "numeric" ? c.values[i] : undefined));
    expect(row(0)).toEqual([2001, 1, 1, 0, 0, 1, 1 / 60, 1]);
    expect(row(1)).toEqual([2004, 2, 29, 6, 23, 45, 23 + 45 / 60 + 36 / 3600, 60]);
    expect(row(2).every(Number.isNaN)).toBe(true);
  });

  it("agrees with Date's UTC getters over many days", () => {
    const times = Array.from({ length: 3000 }, (_, i) => Date.UTC(1969, 11, 1) + i * 86_400_000 * 3.3);
    const out = new DateParts({
      column: "t",
      parts: { y: "year", m: "month", d: "day", w: "weekday" },
    }).transform(frameFromArrays({ t: times }));
    times.forEach((t, i) => {
      const date = new Date(t);
      const expected = [
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        (date.getUTCDay() + 6) % 7,
      ];
      expect(out.columns.map((c) => (c.kind === "numeric" ? c.values[i] : undefined))).toEqual(expected);
    });
  });
});
