import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { permutationImportance } from "../src/explain/permutation-importance.js";
import { frameOf, numericColumn } from "../src/frame/build.js";
import { accuracy } from "../src/metrics/classification.js";
import { rmse } from "../src/metrics/regression.js";
import { HistGradientBoostingClassifier } from "../src/trees/hist-gradient-boosting.js";
import { RandomForestRegressor } from "../src/trees/random-forest.js";
import { ordReference } from "./trees-reference-data.js";

describe("permutationImportance", () => {
  // y = 3·strong + weak + small noise; `noise` is unrelated.
  const n = 400;
  const strong = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
  const weak = Float64Array.from({ length: n }, (_, i) => 0.3 * Math.cos(i * 1.31));
  const noise = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 2.71 + 1));
  const y = Float64Array.from(strong, (s, i) => 3 * s + weak[i]! + 0.01 * Math.sin(i * 7.7));
  const frame = frameOf([
    numericColumn("strong", strong),
    numericColumn("weak", weak),
    numericColumn("noise", noise),
  ]);
  const model = new RandomForestRegressor({ nEstimators: 30, seed: 1 }).fit(frame, y);

  it("ranks a column by how much shuffling it hurts the score (lower-is-better metric)", () => {
    const result = permutationImportance(model, frame, y, rmse, {
      nRepeats: 4,
      seed: 2,
      greaterIsBetter: false,
    });
    expect(result.columns).toEqual(["strong", "weak", "noise"]);
    expect(result.importances).toHaveLength(12);
    const [s, w, z] = Array.from(result.mean);
    expect(s).toBeGreaterThan(w!);
    expect(w).toBeGreaterThan(z!);
    expect(Math.abs(z!)).toBeLessThan(0.1 * s!);
    expect(result.std.every((v) => v >= 0)).toBe(true);
  });

  it("is reproducible for a seed and can assess a subset of columns", () => {
    const a = permutationImportance(model, frame, y, rmse, {
      seed: 9,
      columns: ["weak"],
      greaterIsBetter: false,
    });
    const b = permutationImportance(model, frame, y, rmse, {
      seed: 9,
      columns: ["weak"],
      greaterIsBetter: false,
    });
    expect(a.columns).toEqual(["weak"]);
    expect(Array.from(b.importances)).toEqual(Array.from(a.importances));
    expect(() => permutationImportance(model, frame, y, rmse, { columns: ["nope"] })).toThrow(/No column/);
  });

  it("works with any model and metric: a classifier scored by accuracy", () => {
    const data = ordReference<ClassTarget>("breast-cancer");
    const classifier = new HistGradientBoostingClassifier({ maxIter: 30 }).fit(data.train, data.yTrain);
    const score = (target: ClassTarget, predicted: Int32Array) => accuracy(target.codes, predicted);
    const firstColumn = data.test.columns[0]!;
    const before = firstColumn.kind === "numeric" ? Float64Array.from(firstColumn.values) : null;
    const result = permutationImportance(classifier, data.test, data.yTest, score, { nRepeats: 3 });
    expect(result.baselineScore).toBeGreaterThan(0.9);
    const top = result.columns[result.mean.indexOf(Math.max(...result.mean))];
    expect(top).toBeDefined();
    expect(Math.max(...result.mean)).toBeGreaterThan(0);
    // The frame passed in is never modified: shuffled copies replace one column at a time.
    expect(data.test.columns[0]).toBe(firstColumn);
    if (firstColumn.kind === "numeric") expect(Array.from(firstColumn.values)).toEqual(Array.from(before!));
  });
});
