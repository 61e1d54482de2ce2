import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { categoricalFromCodes, frameOf, numericColumn } from "../src/frame/build.js";
import type { Frame } from "../src/frame/frame.js";
import { mulberry32 } from "../src/split/random.js";
import { fitBins } from "../src/trees/binning.js";
import { boostingData } from "../src/trees/hgb/boosting-data.js";
import { buildHistogram, buildRootHistogramPart, gatherBuffers, SLOT } from "../src/trees/hgb/histograms.js";
import { HALVES_MIN_ROWS, SerialHalves, type SplitTask } from "../src/trees/hgb/node-halves.js";
import {
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
} from "../src/trees/hist-gradient-boosting.js";
import { partitionBackward, partitionForward } from "../src/trees/partition.js";
import type { TreeClassifierModel, TreeRegressorModel } from "../src/trees/tree-model.js";

/**
 * Rows of a synthetic set large enough for the halves (> 2 × HALVES_MIN_ROWS): two numeric features
 * (one with 10 % missing values), a 40-level categorical one and a binary one with ~8 levels.
 */
function synthetic(n: number, seed: number): { frame: Frame; y: Float64Array; classes: ClassTarget } {
  const random = mulberry32(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Int32Array(n);
  const d = new Float64Array(n);
  const y = new Float64Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = random() * 10;
    b[i] = random() < 0.1 ? Number.NaN : random() * 3 - 1;
    c[i] = Math.floor(random() * 40);
    d[i] = Math.floor(random() * 8);
    const signal = Math.sin(a[i]!) + (Number.isNaN(b[i]!) ? 0.7 : b[i]!) + (c[i]! % 5) * 0.3 - d[i]! * 0.1;
    y[i] = signal + (random() - 0.5);
    codes[i] = signal + (random() - 0.5) * 2 > 0.8 ? 1 : 0;
  }
  const levels = Array.from({ length: 40 }, (_, k) => `L${String(k).padStart(2, "0")}`);
  const frame = frameOf([
    numericColumn("a", a),
    numericColumn("b", b),
    categoricalFromCodes("c", c, levels),
    numericColumn("d", d),
  ]);
  return { frame, y, classes: { codes, classes: ["no", "yes"] } };
}

/** Equal up to summation order: relative error below 1e-10. */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(expected)));
}

function expectSameTrees(
  one: TreeClassifierModel | TreeRegressorModel,
  two: TreeClassifierModel | TreeRegressorModel,
): void {
  expect(two.ensemble.trees).toHaveLength(one.ensemble.trees.length);
  two.ensemble.trees.forEach((tree, t) => {
    const reference = one.ensemble.trees[t]!;
    expect(Array.from(tree.feature)).toEqual(Array.from(reference.feature));
    expect(Array.from(tree.binThreshold)).toEqual(Array.from(reference.binThreshold));
    expect(Array.from(tree.value)).toEqual(Array.from(reference.value));
  });
}

describe("partition halves", () => {
  it("partitions the two halves (forwards, backwards) into exactly the order of one forward pass", () => {
    const random = mulberry32(7);
    const n = 1003;
    const bins = Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    const goesLeft = Uint8Array.from({ length: 256 }, () => (random() < 0.4 ? 1 : 0));
    const from = Uint32Array.from({ length: n }, (_, i) => i);
    let nLeft = 0;
    for (let i = 0; i < n; i++) nLeft += goesLeft[bins[i]!]!;
    const whole = new Uint32Array(n);
    expect(partitionForward(from, whole, 0, n, 0, nLeft, bins, 0, goesLeft)).toBe(nLeft);
    for (const mid of [0, 1, 500, 1002, 1003]) {
      const halves = new Uint32Array(n);
      const first = partitionForward(from, halves, 0, mid, 0, nLeft, bins, 0, goesLeft);
      const second = partitionBackward(from, halves, mid, n, nLeft, n, bins, 0, goesLeft);
      expect(first + second).toBe(nLeft);
      expect(Array.from(halves)).toEqual(Array.from(whole));
    }
    // Stable: each side keeps ascending row order.
    for (let i = 1; i < n; i++) if (i !== nLeft) expect(whole[i]!).toBeGreaterThan(whole[i - 1]!);
  });
});

describe("node halves", () => {
  it("cuts large nodes in two and sums the halves' histograms to the whole node's", () => {
    const { frame } = synthetic(3 * HALVES_MIN_ROWS, 1);
    const data = boostingData(fitBins(frame, { categoricalColumns: [] }));
    const n = data.nRows;
    const random = mulberry32(2);
    const gh = Float64Array.from({ length: 2 * n }, (_, i) =>
      i % 2 === 0 ? random() - 0.5 : 0.1 + random(),
    );
    const size = SLOT * data.histogramSlots;
    const halves = new SerialHalves(data, false);

    const root = new Float64Array(size);
    const [sumGradient, sumHessian] = halves.root(gh, root);
    const direct = new Float64Array(size);
    const sums = new Float64Array(2);
    buildRootHistogramPart(data, gh, false, 0, n, direct, sums, 0);
    for (let i = 0; i < size; i++) expectClose(root[i]!, direct[i]!);
    expectClose(sumGradient, sums[0]!);
    expectClose(sumHessian, sums[1]!);

    // Split the root on feature a at bin 100: rows with a-bin <= 100 go left.
    const rows = halves.rows[0]!;
    for (let i = 0; i < n; i++) rows[i] = i;
    for (let b = 0; b < 256; b++) halves.goesLeft[b] = b <= 100 ? 1 : 0;
    let nLeft = 0;
    for (let i = 0; i < n; i++) nLeft += data.bins[i]! <= 100 ? 1 : 0;
    const task: SplitTask = { from: 0, start: 0, end: n, nLeft, feature: 0, smallIsLeft: nLeft < n - nLeft };
    const small = new Float64Array(size);
    halves.split(gh, task, small);
    const children = halves.rows[1]!;
    for (let i = 0; i < n; i++) expect(data.bins[children[i]!]! <= 100).toBe(i < nLeft);
    const [from, to] = task.smallIsLeft ? [0, nLeft] : [nLeft, n];
    const expected = new Float64Array(size);
    buildHistogram(data, children, from, to, gh, false, gatherBuffers(data), expected);
    for (let i = 0; i < size; i++) {
      if (i % SLOT === 2) expect(small[i]).toBe(expected[i]);
      else expectClose(small[i]!, expected[i]!);
    }
    // A wrong left count is caught.
    expect(() => halves.split(gh, { ...task, from: 0, nLeft: nLeft - 1 }, null)).toThrow(
      /Partition mismatch/,
    );
  });

  it("grows the same binary and regression models on two threads as on one", () => {
    const { frame, y, classes } = synthetic(2 * HALVES_MIN_ROWS + 5000, 3);
    const params = { maxIter: 8, earlyStopping: false, categoricalFeatures: ["d"] } as const;
    const one = new HistGradientBoostingClassifier(params).fit(frame, classes);
    const two = new HistGradientBoostingClassifier({ ...params, threads: 2 }).fit(frame, classes);
    expectSameTrees(one, two);
    expect(Array.from(two.predictProba(frame))).toEqual(Array.from(one.predictProba(frame)));
    // The halves are actually used: the root and its large children are cut.
    expect(one.ensemble.trees[0]!.cover[0]).toBeGreaterThan(2 * HALVES_MIN_ROWS);

    const oneR = new HistGradientBoostingRegressor({ maxIter: 8, earlyStopping: false }).fit(frame, y);
    const twoR = new HistGradientBoostingRegressor({ maxIter: 8, earlyStopping: false, threads: 2 }).fit(
      frame,
      y,
    );
    expectSameTrees(oneR, twoR);
    expect(Array.from(twoR.predict(frame))).toEqual(Array.from(oneR.predict(frame)));
  });
});
