import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadDataset } from "../src/data/datasets.js";
import { kFold, stratifiedKFold } from "../src/split/kfold.js";
import { mulberry32, shuffledIndices } from "../src/split/random.js";
import { timeSplit } from "../src/split/time.js";
import { stratifiedTrainTestSplit, trainTestSplit } from "../src/split/train-test.js";
import { DATA_DIR, readFixture } from "./reference-fixtures.js";

interface SplitFixture {
  n: number;
  n_train: number;
  n_test: number;
  test_head: number[];
  train_head: number[];
  test_sha256: string;
  train_sha256: string;
}
const splits = readFixture<{ splits: Record<string, SplitFixture> }>("reference-models.json").splits;

function sha256(indices: Uint32Array): string {
  const le = new Uint8Array(indices.length * 4);
  const view = new DataView(le.buffer);
  for (let i = 0; i < indices.length; i++) view.setUint32(i * 4, indices[i]!, true);
  return createHash("sha256").update(le).digest("hex");
}

describe("reference split (ml-baselines.md §0)", () => {
  it("mulberry32(42) gives the reference stream", () => {
    const rnd = mulberry32(42);
    // The first draws of flights_to_csv.mjs's generator, which the spec's split shares.
    const reference = (() => {
      let a = 42;
      return () => {
        a |= 0;
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    })();
    for (let i = 0; i < 1000; i++) expect(rnd()).toBe(reference());
  });

  it.each(Object.keys(splits))(
    "%s: sizes, first indices and every index as in the Python reference",
    (name) => {
      const expected = splits[name]!;
      const n = name === "flights-200k" ? 200_000 : loadDataset(name as "penguins", DATA_DIR).features.nRows;
      expect(n).toBe(expected.n);
      const { train, test } = trainTestSplit(n);
      expect([train.length, test.length]).toEqual([expected.n_train, expected.n_test]);
      expect(Array.from(test.subarray(0, 10))).toEqual(expected.test_head);
      expect(Array.from(train.subarray(0, 10))).toEqual(expected.train_head);
      expect(sha256(test)).toBe(expected.test_sha256);
      expect(sha256(train)).toBe(expected.train_sha256);
    },
  );

  it("breast-cancer's first test rows are 2, 8, 13, 14, 19", () => {
    expect(Array.from(trainTestSplit(569).test.subarray(0, 5))).toEqual([2, 8, 13, 14, 19]);
  });

  it("is a permutation: test ascending, train the rest in shuffled order", () => {
    const { train, test } = trainTestSplit(1000, { seed: 7, testFraction: 0.25 });
    expect(test.length).toBe(250);
    expect(Array.from(test)).toEqual(Array.from(test).sort((a, b) => a - b));
    expect(new Set([...train, ...test]).size).toBe(1000);
    expect(Array.from(train)).toEqual(Array.from(shuffledIndices(1000, mulberry32(7)).subarray(250)));
  });
});

describe("stratified, time-based and k-fold splits", () => {
  const labels = Int32Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? 2 : i % 3 === 0 ? 1 : 0));
  const classSizes = [0, 1, 2].map((c) => labels.filter((v) => v === c).length);

  it("stratified train/test keeps each class's share and the reference test size", () => {
    const { train, test } = stratifiedTrainTestSplit(labels, { seed: 3 });
    expect(test.length).toBe(Math.round(0.2 * 103));
    expect(new Set([...train, ...test]).size).toBe(103);
    for (const c of [0, 1, 2]) {
      const inTest = Array.from(test).filter((i) => labels[i] === c).length;
      expect(Math.abs(inTest - 0.2 * classSizes[c]!)).toBeLessThanOrEqual(1);
    }
    expect(stratifiedTrainTestSplit(labels, { seed: 3 })).toEqual({ train, test });
  });

  it("time split puts the latest rows in the test set", () => {
    const times = Float64Array.from([5, 1, 4, 2, 3, 2, 9, 0]);
    const byFraction = timeSplit(times, { testFraction: 0.25 });
    expect(Array.from(byFraction.train)).toEqual([7, 1, 3, 5, 4, 2]);
    expect(Array.from(byFraction.test)).toEqual([0, 6]);
    const byCutoff = timeSplit(times, { cutoff: 4 });
    expect(Array.from(byCutoff.test)).toEqual([2, 0, 6]);
    expect(() => timeSplit(Float64Array.from([1, Number.NaN]), { cutoff: 1 })).toThrow(/Missing time/);
  });

  it("k-fold: scikit-learn's fold sizes, every row tested once", () => {
    const folds = kFold(23, 5, { seed: 1 });
    expect(folds.map((f) => f.test.length)).toEqual([5, 5, 5, 4, 4]);
    const tested = folds.flatMap((f) => Array.from(f.test)).sort((a, b) => a - b);
    expect(tested).toEqual(Array.from({ length: 23 }, (_, i) => i));
    for (const f of folds) expect(f.train.length + f.test.length).toBe(23);
    expect(kFold(10, 2, { shuffle: false })[0]!.test).toEqual(Uint32Array.from([0, 1, 2, 3, 4]));
  });

  it("stratified k-fold balances every class across folds", () => {
    const folds = stratifiedKFold(labels, 4, { seed: 9 });
    const sizes = folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const c of [0, 1, 2]) {
      const perFold = folds.map((f) => Array.from(f.test).filter((i) => labels[i] === c).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
    expect(folds.flatMap((f) => Array.from(f.test)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 103 }, (_, i) => i),
    );
  });

  it("rejects impossible fold counts", () => {
    expect(() => kFold(3, 4)).toThrow(/Cannot make 4 folds/);
    expect(() => kFold(10, 1)).toThrow(/k must be/);
  });
});
