import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { frameOf, numericColumn } from "../src/frame/build.js";
import { fitBins } from "../src/trees/binning.js";
import { DecisionTreeClassifier, DecisionTreeRegressor } from "../src/trees/decision-tree.js";
import { leafCount, treeDepth } from "../src/trees/flat-tree.js";
import { TreeClassifierModel, TreeRegressorModel } from "../src/trees/tree-model.js";
import {
  classificationScores,
  DATA_SET_TIMEOUT,
  expectNearSklearn,
  expectWellFormedTree,
  ordReference,
  SKLEARN_TREES,
} from "./trees-reference-data.js";

const classes = (codes: number[], names = ["a", "b"]): ClassTarget => ({
  codes: Int32Array.from(codes),
  classes: names,
});

describe("DecisionTreeClassifier", () => {
  it(
    "matches scikit-learn's DecisionTreeClassifier(random_state=0) on letter (accuracy 0.868 ± 1%)",
    () => {
      const data = ordReference<ClassTarget>("letter");
      const model = new DecisionTreeClassifier().fit(data.train, data.yTrain);
      expectNearSklearn("DT letter", classificationScores(model, data), SKLEARN_TREES.decisionTree.letter, {
        accuracy: 0.01,
        macroF1: 0.01,
      });
      // Letter's features have ≤ 16 values each, so the binned search is the exact search: scikit-learn
      // grows 3,867 nodes; tie-breaking between equally good splits is the only difference.
      expect(Math.abs(model.ensemble.trees[0]!.nNodes - 3867)).toBeLessThan(100);
      expectWellFormedTree(model.ensemble.trees[0]!);
    },
    DATA_SET_TIMEOUT,
  );

  it("separates XOR with two levels of splits and predicts leaf class fractions", () => {
    const x = Float64Array.of(0, 0, 1, 1, 0, 0, 1, 1);
    const z = Float64Array.of(0, 1, 0, 1, 0, 1, 0, 1);
    const frame = frameOf([numericColumn("x", x), numericColumn("z", z)]);
    const model = new DecisionTreeClassifier().fit(frame, classes([0, 1, 1, 0, 0, 1, 1, 0]));
    expect(Array.from(model.predict(frame))).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    expect(treeDepth(model.ensemble.trees[0]!)).toBe(2);

    // One feature, overlapping classes: a leaf with 3 × a and 1 × b predicts (0.75, 0.25).
    const overlap = frameOf([numericColumn("x", Float64Array.of(0, 0, 0, 0, 1, 1))]);
    const mixed = new DecisionTreeClassifier().fit(overlap, classes([0, 0, 0, 1, 1, 1]));
    expect(Array.from(mixed.predictProba(overlap).subarray(0, 2))).toEqual([0.75, 0.25]);
    expect(Array.from(mixed.predictProbaRow([1]))).toEqual([0, 1]);
  });

  it("respects maxDepth and minSamplesLeaf, and supports the entropy criterion", () => {
    const data = ordReference<ClassTarget>("letter");
    const shallow = new DecisionTreeClassifier({ maxDepth: 5 }).fit(data.train, data.yTrain);
    expect(treeDepth(shallow.ensemble.trees[0]!)).toBeLessThanOrEqual(5);
    const bushy = new DecisionTreeClassifier({ minSamplesLeaf: 25 }).fit(data.train, data.yTrain);
    const tree = bushy.ensemble.trees[0]!;
    for (let node = 0; node < tree.nNodes; node++) {
      if (tree.feature[node]! < 0) expect(tree.cover[node]).toBeGreaterThanOrEqual(25);
    }
    const entropy = new DecisionTreeClassifier({ criterion: "entropy" }).fit(data.train, data.yTrain);
    expect(classificationScores(entropy, data).accuracy).toBeGreaterThan(0.85);
  });

  it("learns where missing values go", () => {
    // Missing x behaves like large x (class b); the tree must send NaN right.
    const x = Float64Array.of(1, 2, 3, 4, 10, 11, 12, Number.NaN, Number.NaN, Number.NaN);
    const frame = frameOf([numericColumn("x", x)]);
    const model = new DecisionTreeClassifier().fit(frame, classes([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]));
    expect(Array.from(model.predict(frame))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(model.predictProbaRow([Number.NaN]))).toEqual([0, 1]);
  });

  it("is deterministic for a seed, round-trips through JSON, and fits on a pre-binned dataset", () => {
    const data = ordReference<ClassTarget>("penguins");
    const params = { maxFeatures: 2, seed: 7 };
    const a = new DecisionTreeClassifier(params).fit(data.train, data.yTrain);
    const b = new DecisionTreeClassifier(params).fit(
      fitBins(data.train, { categorical: "ordinal", seed: 7 }),
      data.yTrain,
    );
    expect(Array.from(b.predictProba(data.test))).toEqual(Array.from(a.predictProba(data.test)));
    const restored = TreeClassifierModel.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(restored.kind).toBe("decision_tree_classifier");
    expect(restored.classes).toEqual(a.classes);
    expect(Array.from(restored.predictProba(data.test))).toEqual(Array.from(a.predictProba(data.test)));
  });
});

describe("DecisionTreeRegressor", () => {
  it("fits a step function exactly and predicts leaf means", () => {
    const x = Float64Array.from({ length: 40 }, (_, i) => i);
    const y = Float64Array.from(x, (v) => (v < 10 ? 1 : v < 25 ? 5 : -2));
    const frame = frameOf([numericColumn("x", x)]);
    const model = new DecisionTreeRegressor().fit(frame, y);
    expect(Array.from(model.predict(frame))).toEqual(Array.from(y));
    expect(leafCount(model.ensemble.trees[0]!)).toBe(3);
    expect(model.predictRow([100])).toBe(-2);
    const stump = new DecisionTreeRegressor({ maxDepth: 1 }).fit(frame, y);
    const restored = TreeRegressorModel.fromJSON(JSON.parse(JSON.stringify(stump.toJSON())));
    expect(Array.from(restored.predict(frame))).toEqual(Array.from(stump.predict(frame)));
  });

  it("rejects targets that do not fit the rows", () => {
    const frame = frameOf([numericColumn("x", Float64Array.of(1, 2))]);
    expect(() => new DecisionTreeRegressor().fit(frame, Float64Array.of(1))).toThrow(/rows/);
    expect(() => new DecisionTreeRegressor().fit(frame, Float64Array.of(1, Number.NaN))).toThrow(/missing/);
  });
});
