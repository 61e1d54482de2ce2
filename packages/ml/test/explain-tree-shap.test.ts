import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { treeShap } from "../src/explain/tree-shap.js";
import type { Frame } from "../src/frame/frame.js";
import { DecisionTreeClassifier, DecisionTreeRegressor } from "../src/trees/decision-tree.js";
import { rowMajorFeatures } from "../src/trees/feature-schema.js";
import { type FlatTree, goesLeft } from "../src/trees/flat-tree.js";
import {
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
} from "../src/trees/hist-gradient-boosting.js";
import { RandomForestClassifier, RandomForestRegressor } from "../src/trees/random-forest.js";
import { rawOutputs, type TreeEnsemble } from "../src/trees/tree-ensemble.js";
import { referenceSplitOf } from "./reference-fixtures.js";
import { DATA_SET_TIMEOUT, ordReference } from "./trees-reference-data.js";

/** Σ_f φ[f] + expected value equals the raw output, for every row and output, to `tolerance`. */
function expectAdditive(model: { treeEnsemble(): TreeEnsemble }, frame: Frame, tolerance = 1e-9): void {
  const ensemble = model.treeEnsemble();
  const shap = treeShap(model, frame);
  const raw = rawOutputs(ensemble, frame);
  const { nFeatures: d, nOutputs: k } = shap;
  let worst = 0;
  for (let i = 0; i < frame.nRows; i++) {
    for (let j = 0; j < k; j++) {
      let sum = shap.expectedValue[j]!;
      for (let f = 0; f < d; f++) sum += shap.values[(i * d + f) * k + j]!;
      worst = Math.max(worst, Math.abs(sum - raw[i * k + j]!));
    }
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** E[tree(x) | x_S]: follow x on features in S, average children by cover elsewhere (path-dependent). */
function conditional(
  tree: FlatTree,
  x: Float64Array,
  offset: number,
  inS: (f: number) => boolean,
  node = 0,
): Float64Array {
  const k = tree.nOutputs;
  const f = tree.feature[node]!;
  if (f < 0) return tree.value.slice(node * k, node * k + k);
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  if (inS(f)) return conditional(tree, x, offset, inS, goesLeft(tree, node, x[offset + f]!) ? left : right);
  const a = conditional(tree, x, offset, inS, left);
  const b = conditional(tree, x, offset, inS, right);
  const cover = tree.cover[node]!;
  return a.map((v, j) => (v * tree.cover[left]! + b[j]! * tree.cover[right]!) / cover);
}

function ensembleValue(ensemble: TreeEnsemble, x: Float64Array, offset: number, mask: number): Float64Array {
  const out = Float64Array.from(ensemble.baseline);
  ensemble.trees.forEach((tree, t) => {
    const v = conditional(tree, x, offset, (f) => (mask & (1 << f)) !== 0);
    if (ensemble.treeOutput) out[ensemble.treeOutput[t]!]! += ensemble.treeWeight * v[0]!;
    else
      v.forEach((value, j) => {
        out[j]! += ensemble.treeWeight * value;
      });
  });
  return out;
}

/** Shapley values by enumerating every coalition (2^d of them). */
function bruteForceShap(ensemble: TreeEnsemble, x: Float64Array, offset: number): Float64Array {
  const d = ensemble.schema.length;
  const k = ensemble.nOutputs;
  const values = Array.from({ length: 1 << d }, (_, mask) => ensembleValue(ensemble, x, offset, mask));
  const factorial = (m: number): number => (m <= 1 ? 1 : m * factorial(m - 1));
  const phi = new Float64Array(d * k);
  for (let f = 0; f < d; f++) {
    for (let mask = 0; mask < 1 << d; mask++) {
      if (mask & (1 << f)) continue;
      let size = 0;
      for (let m = mask; m; m &= m - 1) size++;
      const weight = (factorial(size) * factorial(d - size - 1)) / factorial(d);
      for (let j = 0; j < k; j++)
        phi[f * k + j]! += weight * (values[mask | (1 << f)]![j]! - values[mask]![j]!);
    }
  }
  return phi;
}

function expectMatchesBruteForce(model: { treeEnsemble(): TreeEnsemble }, frame: Frame, rows: number): void {
  const ensemble = model.treeEnsemble();
  const d = ensemble.schema.length;
  const k = ensemble.nOutputs;
  const x = rowMajorFeatures(ensemble.schema, frame);
  const shap = treeShap(model, frame);
  for (let i = 0; i < rows; i++) {
    const exact = bruteForceShap(ensemble, x, i * d);
    for (let c = 0; c < d * k; c++)
      expect(Math.abs(shap.values[i * d * k + c]! - exact[c]!)).toBeLessThan(1e-9);
  }
}

describe("TreeSHAP: attributions + expected value = raw output (1e-9, every test row)", () => {
  it(
    "decision trees (class fractions and regression values)",
    () => {
      // Path-dependent TreeSHAP costs O(leaves · depth²) per row: full-depth trees on the small sets.
      for (const name of ["breast-cancer", "penguins"] as const) {
        const data = ordReference<ClassTarget>(name);
        expectAdditive(new DecisionTreeClassifier().fit(data.train, data.yTrain), data.test);
      }
      const ames = ordReference<Float64Array>("ames");
      // House prices are ~2e5: 1e-9 relative to the output scale.
      expectAdditive(
        new DecisionTreeRegressor({ maxDepth: 12 }).fit(ames.train, ames.yTrain),
        ames.test,
        1e-9 * 2e5,
      );
    },
    DATA_SET_TIMEOUT,
  );

  it(
    "random forests (mean class fractions; mean regression values)",
    () => {
      const cancer = ordReference<ClassTarget>("breast-cancer");
      expectAdditive(new RandomForestClassifier().fit(cancer.train, cancer.yTrain), cancer.test);
      const penguins = ordReference<ClassTarget>("penguins");
      expectAdditive(new RandomForestClassifier().fit(penguins.train, penguins.yTrain), penguins.test);
      const ames = ordReference<Float64Array>("ames");
      const forest = new RandomForestRegressor({ nEstimators: 10, maxDepth: 12 }).fit(
        ames.train,
        ames.yTrain,
      );
      expectAdditive(forest, ames.test, 1e-9 * 2e5);
    },
    DATA_SET_TIMEOUT,
  );

  it(
    "gradient boosting raw outputs: binary log-odds, multiclass scores, regression",
    () => {
      const cancer = ordReference<ClassTarget>("breast-cancer");
      expectAdditive(new HistGradientBoostingClassifier().fit(cancer.train, cancer.yTrain), cancer.test);
      const penguins = ordReference<ClassTarget>("penguins");
      expectAdditive(
        new HistGradientBoostingClassifier().fit(penguins.train, penguins.yTrain),
        penguins.test,
      );
      const ames = ordReference<Float64Array>("ames");
      const boosted = new HistGradientBoostingRegressor({ categoricalFeatures: ames.categorical }).fit(
        ames.train,
        ames.yTrain,
      );
      expectAdditive(boosted, ames.test, 1e-9 * 2e5);
    },
    DATA_SET_TIMEOUT,
  );

  it("native categorical splits and missing values (raw penguins frame)", () => {
    const raw = referenceSplitOf<ClassTarget>("penguins");
    const model = new HistGradientBoostingClassifier().fit(raw.train, raw.yTrain);
    expect(model.ensemble.trees.some((t) => t.categorySplit.some((k) => k >= 0))).toBe(true);
    expectAdditive(model, raw.test);
  });
});

describe("TreeSHAP equals the Shapley values of the path-dependent conditional expectation", () => {
  it("on a decision tree, a small forest and a small boosted model (every coalition enumerated)", () => {
    const raw = referenceSplitOf<ClassTarget>("penguins");
    expectMatchesBruteForce(
      new DecisionTreeClassifier({ maxDepth: 5 }).fit(raw.train, raw.yTrain),
      raw.test,
      10,
    );
    expectMatchesBruteForce(
      new RandomForestClassifier({ nEstimators: 5, maxDepth: 4 }).fit(raw.train, raw.yTrain),
      raw.test,
      10,
    );
    expectMatchesBruteForce(
      new HistGradientBoostingClassifier({ maxIter: 5, maxLeafNodes: 8 }).fit(raw.train, raw.yTrain),
      raw.test,
      10,
    );
  });
});
