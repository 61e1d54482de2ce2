import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { RandomForestClassifier, RandomForestRegressor } from "../src/trees/random-forest.js";
import { TreeClassifierModel } from "../src/trees/tree-model.js";
import {
  classificationScores,
  DATA_SET_TIMEOUT,
  expectNearSklearn,
  expectWellFormedTree,
  ordReference,
  regressionScores,
  SKLEARN_TREES,
  treeFixtures,
} from "./trees-reference-data.js";

/**
 * Forests are compared with scikit-learn's mean over seeds 0-4 (fixtures/trees-sklearn-seeds.json):
 * §2.2's single figures come from one seed each, and a forest's metric moves with the seed (on ames
 * scikit-learn's own R² spans 0.8815-0.8949). The headline metric (ml-baselines.md summary: ROC AUC,
 * accuracy, R²) must be within 1%; the second within §3.2's allowance (two rows on the small sets,
 * 2% RMSE on ames).
 */
const fixtures = treeFixtures();

describe("RandomForest(100) vs scikit-learn 1.2.1 (reference split, ord encoding)", () => {
  const classification = [
    { name: "breast-cancer", limits: { rocAuc: 0.01, accuracy: 2 / 114 } },
    { name: "penguins", limits: { accuracy: 0.01, macroF1: 0.01 } },
    { name: "letter", limits: { accuracy: 0.01, macroF1: 0.01 } },
    // Two worker threads: the forest is identical to the one-thread forest (tested below), only faster.
    { name: "flights-200k", limits: { rocAuc: 0.01, accuracy: 0.01 }, threads: 2 },
  ] as const;
  for (const { name, limits, ...rest } of classification) {
    it(
      `classifies ${name} within 1% of scikit-learn`,
      () => {
        const data = ordReference<ClassTarget>(name);
        const model = new RandomForestClassifier({ threads: "threads" in rest ? rest.threads : 1 }).fit(
          data.train,
          data.yTrain,
        );
        const scores = classificationScores(model, data);
        expectNearSklearn(`RF ${name} (vs §2.2)`, scores, SKLEARN_TREES.randomForest[name], {
          accuracy: 1,
          macroF1: 1,
          rocAuc: 1,
        });
        expectNearSklearn(`RF ${name} (vs seed mean)`, scores, fixtures.randomForest[name]!.mean, limits);
        expectWellFormedTree(model.ensemble.trees[0]!);
      },
      DATA_SET_TIMEOUT,
    );
  }

  it(
    "regresses ames within 1% of scikit-learn (R²; RMSE within 2%)",
    () => {
      const data = ordReference<Float64Array>("ames");
      const model = new RandomForestRegressor().fit(data.train, data.yTrain);
      const scores = regressionScores(model, data);
      expectNearSklearn("RF ames (vs §2.2)", scores, SKLEARN_TREES.randomForest.ames, { r2: 1, rmse: 1 });
      expectNearSklearn("RF ames (vs seed mean)", scores, fixtures.randomForest.ames!.mean, {
        r2: 0.01,
        rmse: 0.02,
      });
    },
    DATA_SET_TIMEOUT,
  );
});

describe("RandomForestClassifier", () => {
  it("builds the same forest on worker threads as on the calling thread", () => {
    const data = ordReference<ClassTarget>("breast-cancer");
    const params = { nEstimators: 12, seed: 3 };
    const one = new RandomForestClassifier(params).fit(data.train, data.yTrain);
    const two = new RandomForestClassifier({ ...params, threads: 2 }).fit(data.train, data.yTrain);
    expect(two.ensemble.trees).toHaveLength(12);
    two.ensemble.trees.forEach((tree, t) => {
      const reference = one.ensemble.trees[t]!;
      expect(Array.from(tree.feature)).toEqual(Array.from(reference.feature));
      expect(Array.from(tree.value)).toEqual(Array.from(reference.value));
    });
  });

  it("samples features per split, draws bootstrap weights, and averages tree probabilities", () => {
    const data = ordReference<ClassTarget>("penguins");
    const model = new RandomForestClassifier({ nEstimators: 20, maxFeatures: 1 }).fit(
      data.train,
      data.yTrain,
    );
    for (const tree of model.ensemble.trees) {
      // A bootstrap sample has n draws in total, over about 63% of the distinct rows.
      expect(tree.cover[0]).toBe(data.train.nRows);
    }
    // One feature per split, yet trees split on many features: the draw is per split, not per tree.
    const used = new Set(Array.from(model.ensemble.trees[0]!.feature).filter((f) => f >= 0));
    expect(used.size).toBeGreaterThan(2);
    expect(classificationScores(model, data).accuracy).toBeGreaterThan(0.95);

    const proba = model.predictProba(data.test);
    for (let i = 0; i < data.test.nRows; i++) {
      const sum = proba[3 * i]! + proba[3 * i + 1]! + proba[3 * i + 2]!;
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it("is deterministic for a seed, differs across seeds, and round-trips through JSON", () => {
    const data = ordReference<ClassTarget>("breast-cancer");
    const a = new RandomForestClassifier({ nEstimators: 10, seed: 1 }).fit(data.train, data.yTrain);
    const b = new RandomForestClassifier({ nEstimators: 10, seed: 1 }).fit(data.train, data.yTrain);
    const c = new RandomForestClassifier({ nEstimators: 10, seed: 2 }).fit(data.train, data.yTrain);
    expect(Array.from(b.predictProba(data.test))).toEqual(Array.from(a.predictProba(data.test)));
    expect(Array.from(c.predictProba(data.test))).not.toEqual(Array.from(a.predictProba(data.test)));
    const restored = TreeClassifierModel.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(restored.kind).toBe("random_forest_classifier");
    expect(Array.from(restored.predictProba(data.test))).toEqual(Array.from(a.predictProba(data.test)));
  });
});
