import type { ClassTarget } from "../data/target.js";
import type { ClassifierEstimator, RegressorEstimator } from "../pipeline/model.js";
import type { BinnedDataset } from "./binning.js";
import { cartData, type MaxFeatures, resolveMaxFeatures } from "./cart/cart-data.js";
import { type CartCriterion, type CartParams, type CartTarget, growCartTree } from "./cart/cart-grower.js";
import type { FlatTree } from "./flat-tree.js";
import { binnedInput, type TreeInput } from "./model-input.js";
import { SeededRandom } from "./random.js";
import { checkClassTarget, checkRegressionTarget } from "./targets.js";
import type { TreeEnsemble } from "./tree-ensemble.js";
import { TreeClassifierModel, TreeRegressorModel } from "./tree-model.js";

/**
 * Decision trees (CART) with scikit-learn's defaults: unlimited depth, min_samples_split 2,
 * min_samples_leaf 1, all features, gini / squared error. Split search is exact over binned values
 * (see cart-grower.ts); categorical frame columns are split by code order (scikit-learn's `ord` setup).
 */
export type DecisionTreeParams = {
  readonly criterion: CartCriterion;
  /** null = grow until leaves are pure or too small. */
  readonly maxDepth: number | null;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly maxFeatures: MaxFeatures;
  readonly maxBins: number;
  readonly seed: number;
};

const TREE_DEFAULTS = {
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxFeatures: "all",
  maxBins: 255,
  seed: 0,
} as const;

export function cartParams(
  params: Pick<
    DecisionTreeParams,
    "criterion" | "maxDepth" | "minSamplesSplit" | "minSamplesLeaf" | "maxFeatures"
  >,
  nFeatures: number,
): CartParams {
  if (!Number.isInteger(params.minSamplesSplit) || params.minSamplesSplit < 2) {
    throw new Error("minSamplesSplit must be an integer >= 2");
  }
  if (!Number.isInteger(params.minSamplesLeaf) || params.minSamplesLeaf < 1) {
    throw new Error("minSamplesLeaf must be an integer >= 1");
  }
  if (params.maxDepth !== null && !(params.maxDepth >= 1)) throw new Error("maxDepth must be >= 1 or null");
  return {
    criterion: params.criterion,
    maxDepth: params.maxDepth ?? Number.POSITIVE_INFINITY,
    minSamplesSplit: params.minSamplesSplit,
    minSamplesLeaf: params.minSamplesLeaf,
    maxFeatures: resolveMaxFeatures(params.maxFeatures, nFeatures),
  };
}

/** CART trees split category codes in order, so categorical columns are binned as ordinal codes. */
export function cartBinning(params: { maxBins: number; seed: number }) {
  return { maxBins: params.maxBins, categorical: "ordinal" as const, seed: params.seed };
}

function growSingleTree(data: BinnedDataset, target: CartTarget, params: DecisionTreeParams): FlatTree {
  const n = data.nRows;
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return growCartTree(
    cartData(data),
    target,
    rows,
    new Float64Array(n).fill(1),
    cartParams(params, data.mapper.features.length),
    new SeededRandom(params.seed),
  );
}

function singleTree(data: BinnedDataset, tree: FlatTree): TreeEnsemble {
  return {
    schema: data.mapper.schema,
    trees: [tree],
    nOutputs: tree.nOutputs,
    treeOutput: null,
    treeWeight: 1,
    baseline: new Float64Array(tree.nOutputs),
  };
}

export class DecisionTreeClassifier implements ClassifierEstimator<TreeClassifierModel> {
  readonly kind = "decision_tree_classifier";
  readonly params: DecisionTreeParams;

  constructor(params: Partial<DecisionTreeParams> = {}) {
    this.params = { ...TREE_DEFAULTS, criterion: "gini", ...params };
  }

  fit(x: TreeInput, target: ClassTarget): TreeClassifierModel {
    const data = binnedInput(x, cartBinning(this.params));
    checkClassTarget(target, data.nRows);
    const nClasses = target.classes.length;
    const tree = growSingleTree(
      data,
      { kind: "classification", classes: target.codes, nClasses },
      this.params,
    );
    return new TreeClassifierModel(
      this.kind,
      this.params,
      target.classes,
      data.mapper,
      singleTree(data, tree),
      "identity",
    );
  }
}

export class DecisionTreeRegressor implements RegressorEstimator<TreeRegressorModel> {
  readonly kind = "decision_tree_regressor";
  readonly params: DecisionTreeParams;

  constructor(params: Partial<DecisionTreeParams> = {}) {
    this.params = { ...TREE_DEFAULTS, criterion: "squared_error", ...params };
  }

  fit(x: TreeInput, target: Float64Array): TreeRegressorModel {
    const data = binnedInput(x, cartBinning(this.params));
    checkRegressionTarget(target, data.nRows);
    const tree = growSingleTree(data, { kind: "regression", values: target }, this.params);
    return new TreeRegressorModel(this.kind, this.params, data.mapper, singleTree(data, tree));
  }
}
