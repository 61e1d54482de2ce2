import { describe, expect, it } from "vitest";
import type { DenseMatrix } from "../src/cluster/dense-matrix.js";
import { KMeans, KMeansModel } from "../src/cluster/kmeans.js";
import { loadDataset } from "../src/data/datasets.js";
import { frameOf, numericColumn } from "../src/frame/build.js";
import type { Frame } from "../src/frame/frame.js";
import { DATA_DIR, DATA_SET_TIMEOUT, SKLEARN_TREES, treeFixtures } from "./trees-reference-data.js";

/** §2.2's k-means setting: every row, each column standardised with its mean and population std. */
function standardised(frame: Frame, columns: readonly string[]): DenseMatrix {
  const n = frame.nRows;
  const d = columns.length;
  const data = new Float64Array(n * d);
  columns.forEach((name, j) => {
    const c = frame.columns.find((col) => col.name === name)!;
    if (c.kind !== "numeric") throw new Error(`${name} is not numeric`);
    let mean = 0;
    for (const v of c.values) mean += v / n;
    let variance = 0;
    for (const v of c.values) variance += (v - mean) ** 2 / n;
    const sd = Math.sqrt(variance) || 1;
    for (let i = 0; i < n; i++) data[i * d + j] = (c.values[i]! - mean) / sd;
  });
  return { data, nRows: n, nCols: d };
}

function medianInertia(matrix: DenseMatrix, k: number): number {
  const inertias = [0, 1, 2]
    .map((seed) => new KMeans({ nClusters: k, seed }).fit(matrix).inertia)
    .sort((a, b) => a - b);
  return inertias[1]!;
}

const fixtures = treeFixtures();

describe("KMeans vs scikit-learn 1.2.1 (k-means++, 1 init, median inertia over seeds 0, 1, 2)", () => {
  it(
    "letter (20,000 × 16, k = 26) within 1% of 122,535",
    () => {
      const letter = loadDataset("letter", DATA_DIR);
      const columns = letter.features.columns.map((c) => c.name);
      const inertia = medianInertia(standardised(letter.features, columns), 26);
      console.log(`k-means letter: median inertia ${inertia.toFixed(0)} vs ${SKLEARN_TREES.kmeans.letter}`);
      expect(fixtures.kmeans.letter!.median).toBeCloseTo(SKLEARN_TREES.kmeans.letter, -1);
      expect(Math.abs(inertia / SKLEARN_TREES.kmeans.letter - 1)).toBeLessThan(0.01);
    },
    DATA_SET_TIMEOUT,
  );

  it(
    "flights-200k numeric columns (200,000 × 5, k = 8) within 1% of 478,115",
    () => {
      const flights = loadDataset("flights-200k", DATA_DIR);
      const matrix = standardised(flights.features, [
        "month",
        "day_of_month",
        "day_of_week",
        "dep_hour",
        "distance",
      ]);
      const inertia = medianInertia(matrix, 8);
      const reference = SKLEARN_TREES.kmeans["flights-200k-numeric"];
      console.log(`k-means flights-200k: median inertia ${inertia.toFixed(0)} vs ${reference}`);
      expect(Math.abs(inertia / reference - 1)).toBeLessThan(0.01);
    },
    DATA_SET_TIMEOUT,
  );
});

describe("KMeans", () => {
  it("finds well-separated clusters exactly and labels new rows by the closest centre", () => {
    const centres = [
      [0, 0],
      [10, 10],
      [-10, 10],
    ];
    const xs: number[] = [];
    const ys: number[] = [];
    centres.forEach(([cx, cy]) => {
      for (let i = 0; i < 30; i++) {
        xs.push(cx! + Math.cos(i) * 0.5);
        ys.push(cy! + Math.sin(i * 1.7) * 0.5);
      }
    });
    const frame = frameOf([numericColumn("x", xs), numericColumn("y", ys)]);
    const model = new KMeans({ nClusters: 3, seed: 4 }).fit(frame);
    const labels = model.labels;
    for (let c = 0; c < 3; c++) {
      const group = new Set(Array.from(labels.subarray(30 * c, 30 * c + 30)));
      expect(group.size).toBe(1);
    }
    expect(new Set(Array.from(labels)).size).toBe(3);
    expect(Array.from(model.predict(frame))).toEqual(Array.from(labels));
    const probe = frameOf([numericColumn("x", [9.5, -0.2]), numericColumn("y", [10.2, 0.1])]);
    const [near10, near0] = Array.from(model.predict(probe));
    expect(near10).toBe(labels[30]);
    expect(near0).toBe(labels[0]);
  });

  it("is deterministic for a seed, keeps the best of nInit runs, and round-trips through JSON", () => {
    const letter = loadDataset("letter", DATA_DIR);
    const matrix = standardised(letter.features, letter.features.columns.map((c) => c.name).slice(0, 6));
    const a = new KMeans({ nClusters: 10, seed: 5 }).fit(matrix);
    const b = new KMeans({ nClusters: 10, seed: 5 }).fit(matrix);
    expect(Array.from(b.clusterCenters)).toEqual(Array.from(a.clusterCenters));
    const best = new KMeans({ nClusters: 10, seed: 5, nInit: 4 }).fit(matrix);
    expect(best.inertia).toBeLessThanOrEqual(a.inertia);
    const restored = KMeansModel.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(restored.predict(matrix))).toEqual(Array.from(a.labels));
  });

  it("refuses missing values and categorical columns", () => {
    expect(() => new KMeans({ nClusters: 1 }).fit(frameOf([numericColumn("x", [1, Number.NaN])]))).toThrow(
      /missing/,
    );
  });
});
