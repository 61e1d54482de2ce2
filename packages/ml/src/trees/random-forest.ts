import type { ClassTarget } from "../data/target.js";
import type { ClassifierEstimator, RegressorEstimator } from "../pipeline/model.js";
import type { BinnedDataset } from "./binning.js";
import { cartData, type MaxFeatures } from "./cart/cart-data.js";
import type { CartCriterion, CartTarget } from "./cart/cart-grower.js";
import { cartBinning, cartParams } from "./decision-tree.js";
import type { FlatTree } from "./flat-tree.js";
import { growForestInWorkers } from "./forest/forest-threads.js";
import { growForestTree } from "./forest/forest-tree.js";
import { binnedInput, type TreeInput } from "./model-input.js";
import { checkClassTarget, checkRegressionTarget } from "./targets.js";
import type { TreeEnsemble } from "./tree-ensemble.js";
import { TreeClassifierModel, TreeRegressorModel } from "./tree-model.js";

/**
 * Random forests as scikit-learn's: bootstrap samples (as integer row weights), per-split feature
 * sampling, unlimited depth, predictions = mean of the trees' class fractions. Grown on binned
 * features. `threads` > 1 builds whole trees on worker threads over shared memory; the forest is the
 * same for every thread count.
 */
export type RandomForestParams = {
  readonly nEstimators: number;
  readonly criterion: CartCriterion;
  readonly maxDepth: number | null;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** Classifier default "sqrt" (⌊√d⌋), regressor default "all", as scikit-learn 1.2. */
  readonly maxFeatures: MaxFeatures;
  readonly bootstrap: boolean;
  readonly maxBins: number;
  readonly seed: number;
  /** Worker threads for fitting; 1 fits on the calling thread. */
  readonly threads: number;
};

const FOREST_DEFAULTS = {
  nEstimators: 100,
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  bootstrap: true,
  maxBins: 255,
  seed: 0,
  threads: 1,
} as const;

function growForest(data: BinnedDataset, target: CartTarget, params: RandomForestParams): TreeEnsemble {
  const { nEstimators, threads, bootstrap, seed } = params;
  if (!Number.isInteger(nEstimators) || nEstimators < 1)
    throw new Error("nEstimators must be a positive integer");
  if (!Number.isInteger(threads) || threads < 1) throw new Error("threads must be a positive integer");
  const cart = cartData(data);
  const recipe = cartParams(params, data.mapper.features.length);
  let trees: FlatTree[];
  if (threads > 1) {
    trees = growForestInWorkers(cart, target, recipe, bootstrap, seed, nEstimators, threads);
  } else {
    trees = [];
    for (let t = 0; t < nEstimators; t++)
      trees.push(growForestTree(cart, target, recipe, bootstrap, seed, t));
  }
  const nOutputs = trees[0]!.nOutputs;
  return {
    schema: data.mapper.schema,
    trees,
    nOutputs,
    treeOutput: null,
    treeWeight: 1 / trees.length,
    baseline: new Float64Array(nOutputs),
  };
}

export class RandomForestClassifier implements ClassifierEstimator<TreeClassifierModel> {
  readonly kind = "random_forest_classifier";
  readonly params: RandomForestParams;

  constructor(params: Partial<RandomForestParams> = {}) {
    this.params = { ...FOREST_DEFAULTS, criterion: "gini", maxFeatures: "sqrt", ...params };
  }

  fit(x: TreeInput, target: ClassTarget): TreeClassifierModel {
    const data = binnedInput(x, cartBinning(this.params));
    checkClassTarget(target, data.nRows);
    const nClasses = target.classes.length;
    const ensemble = growForest(
      data,
      { kind: "classification", classes: target.codes, nClasses },
      this.params,
    );
    return new TreeClassifierModel(this.kind, this.params, target.classes, data.mapper, ensemble, "identity");
  }
}

export class RandomForestRegressor implements RegressorEstimator<TreeRegressorModel> {
  readonly kind = "random_forest_regressor";
  readonly params: RandomForestParams;

  constructor(params: Partial<RandomForestParams> = {}) {
    this.params = { ...FOREST_DEFAULTS, criterion: "squared_error", maxFeatures: "all", ...params };
  }

  fit(x: TreeInput, target: Float64Array): TreeRegressorModel {
    const data = binnedInput(x, cartBinning(this.params));
    checkRegressionTarget(target, data.nRows);
    const ensemble = growForest(data, { kind: "regression", values: target }, this.params);
    return new TreeRegressorModel(this.kind, this.params, data.mapper, ensemble);
  }
}
