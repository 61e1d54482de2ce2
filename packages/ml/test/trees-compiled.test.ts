import { describe, expect, it } from "vitest";
import type { ClassTarget } from "../src/data/target.js";
import { categoricalFromCodes, frameOf, numericColumn } from "../src/frame/build.js";
import { mulberry32 } from "../src/split/random.js";
import {
  compiledRawOutputOfRow,
  compiledRawOutputs,
  compileEnsemble,
} from "../src/trees/compiled-ensemble.js";
import { DecisionTreeRegressor } from "../src/trees/decision-tree.js";
import { rowMajorFeatures } from "../src/trees/feature-schema.js";
import { HistGradientBoostingClassifier } from "../src/trees/hist-gradient-boosting.js";
import { RandomForestClassifier } from "../src/trees/random-forest.js";
import { rawOutputOfRow, rawOutputs } from "../src/trees/tree-ensemble.js";
import type { TreeClassifierModel, TreeRegressorModel } from "../src/trees/tree-model.js";

/** 600 rows: a numeric feature with missing values, one with ±Infinity, a 12-level categorical one. */
function data() {
  const random = mulberry32(11);
  const n = 600;
  const a = Float64Array.from({ length: n }, () => (random() < 0.15 ? Number.NaN : random() * 100));
  const b = Float64Array.from({ length: n }, (_, i) =>
    i % 97 === 0 ? Number.POSITIVE_INFINITY : i % 89 === 0 ? Number.NEGATIVE_INFINITY : random() - 0.5,
  );
  const c = Int32Array.from({ length: n }, () => Math.floor(random() * 12));
  const levels = Array.from({ length: 12 }, (_, k) => `c${k}`);
  const codes = Int32Array.from(
    { length: n },
    (_, i) =>
      (Number.isNaN(a[i]!) ? 1 : a[i]! > 50 ? 1 : 0) ^ (c[i]! % 3 === 0 ? 1 : 0) ^ (b[i]! > 0.3 ? 1 : 0),
  );
  const frame = frameOf([numericColumn("a", a), numericColumn("b", b), categoricalFromCodes("c", c, levels)]);
  const numericFrame = frameOf([
    numericColumn("a", a),
    numericColumn("b", b),
    numericColumn("c", Float64Array.from(c)),
  ]);
  const target: ClassTarget = { codes, classes: ["no", "yes"] };
  return { frame, numericFrame, target, y: Float64Array.from(codes, (v, i) => v + (b[i]! > 0 ? 0.5 : 0)) };
}

/** Every row (plus unseen values: a category code beyond the training levels, NaN everywhere). */
function expectSameAsFlatTrees(
  model: TreeClassifierModel | TreeRegressorModel,
  x: Float64Array,
  d: number,
): void {
  const ensemble = model.ensemble;
  const compiled = compileEnsemble(ensemble, model.binMapper);
  const extra = Float64Array.of(...Array.from({ length: d }, () => Number.NaN), 30, 0.1, 99);
  const rows = new Float64Array(x.length + extra.length);
  rows.set(x);
  rows.set(extra, x.length);
  const expected = new Float64Array(ensemble.nOutputs);
  const actual = new Float64Array(ensemble.nOutputs);
  for (let offset = 0; offset + d <= rows.length; offset += d) {
    rawOutputOfRow(ensemble, rows, offset, expected);
    compiledRawOutputOfRow(compiled, rows, offset, actual);
    expect(Array.from(actual)).toEqual(Array.from(expected));
  }
}

describe("compiled ensembles", () => {
  it("predict exactly what the flat trees predict: boosting with categorical splits and missing values", () => {
    const { frame, target } = data();
    const model = new HistGradientBoostingClassifier({ maxIter: 30, earlyStopping: false }).fit(
      frame,
      target,
    );
    expect(
      Array.from(model.ensemble.trees.flatMap((t) => Array.from(t.categorySplit))).some((k) => k >= 0),
    ).toBe(true);
    const schema = model.ensemble.schema;
    expectSameAsFlatTrees(model, rowMajorFeatures(schema, frame), schema.length);
    // The batch path (tree by tree over all rows) too.
    const compiled = compileEnsemble(model.ensemble, model.binMapper);
    expect(Array.from(compiledRawOutputs(compiled, frame))).toEqual(
      Array.from(rawOutputs(model.ensemble, frame)),
    );
  });

  it("predict exactly what the flat trees predict: a forest and a deep regression tree", () => {
    const { numericFrame, target, y } = data();
    const forest = new RandomForestClassifier({ nEstimators: 15, seed: 4 }).fit(numericFrame, target);
    const schema = forest.ensemble.schema;
    const x = rowMajorFeatures(schema, numericFrame);
    expectSameAsFlatTrees(forest, x, schema.length);
    expect(Array.from(forest.predictProba(numericFrame))).toEqual(
      Array.from(rawOutputs(forest.ensemble, numericFrame)),
    );
    const tree = new DecisionTreeRegressor().fit(numericFrame, y);
    expectSameAsFlatTrees(tree, x, schema.length);
    expect(Array.from(tree.predict(numericFrame))).toEqual(
      Array.from(rawOutputs(tree.ensemble, numericFrame)),
    );
    // The model's own one-row path uses the compiled form and allocates nothing with `out`.
    const out = new Float64Array(2);
    const raw = new Float64Array(2);
    rawOutputOfRow(forest.ensemble, x, 0, raw);
    expect(Array.from(forest.predictProbaRow(x.subarray(0, schema.length), out))).toEqual(Array.from(raw));
  });
});
