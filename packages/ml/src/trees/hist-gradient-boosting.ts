import type { ClassTarget } from "../data/target.js";
import type { ClassifierEstimator, RegressorEstimator } from "../pipeline/model.js";
import { type BinMapper, type BinnedDataset, selectBinnedRows, transformBins } from "./binning.js";
import { type BoostingResult, boost, type EarlyStopping } from "./hgb/boosting-loop.js";
import { type BoostingLoss, binaryLogLoss, multinomialLogLoss, squaredError } from "./hgb/losses.js";
import { validationSplit } from "./hgb/validation-split.js";
import { binnedInput, isBinnedDataset, type TreeInput } from "./model-input.js";
import { checkClassTarget, checkRegressionTarget } from "./targets.js";
import type { TreeEnsemble } from "./tree-ensemble.js";
import { type BoostingHistory, TreeClassifierModel, TreeRegressorModel } from "./tree-model.js";

/**
 * Histogram gradient boosting with scikit-learn 1.2's HistGradientBoosting defaults: learning rate 0.1,
 * 100 iterations, 31 leaves grown best-first, no depth limit, 20 rows per leaf, no L2, 255 bins plus a
 * missing bin, early stopping "auto" (on above 10,000 rows: a 10 % stratified hold-out, stop after 10
 * iterations without a 1e-7 improvement of the loss). Categorical frame columns (and numeric code
 * columns named in `categoricalFeatures`) are split natively as category sets; missing values learn
 * their direction at every split.
 */
export type HistGradientBoostingParams = {
  readonly learningRate: number;
  readonly maxIter: number;
  /** null = unlimited. */
  readonly maxLeafNodes: number | null;
  readonly maxDepth: number | null;
  readonly minSamplesLeaf: number;
  readonly l2Regularization: number;
  readonly maxBins: number;
  /** Numeric columns holding category codes to split as categories (scikit-learn's categorical_features). */
  readonly categoricalFeatures: readonly string[];
  /** "auto": on when the training set has more than 10,000 rows. */
  readonly earlyStopping: "auto" | boolean;
  /** Hold-out share for early stopping; null scores on the training loss. Unused with a given validation set. */
  readonly validationFraction: number | null;
  readonly nIterNoChange: number;
  readonly tol: number;
  readonly seed: number;
  /**
   * Threads (same model for any thread count). Multiclass fits grow an iteration's per-class trees
   * on worker threads over shared memory. Binary and regression fits, one tree per iteration, share
   * each tree's row work (gradients, root histogram, partition and smaller-child histogram of every
   * node above 16,384 rows) in halves between the calling thread and one worker; more than 2 threads
   * then change nothing.
   */
  readonly threads: number;
};

export const HGB_DEFAULTS: HistGradientBoostingParams = {
  learningRate: 0.1,
  maxIter: 100,
  maxLeafNodes: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
  categoricalFeatures: [],
  earlyStopping: "auto",
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
  seed: 0,
  threads: 1,
};

/** A validation set for early stopping, used instead of a hold-out carved from the training rows. */
export type BoostingFitOptions<Y> = {
  readonly validation?: { readonly x: TreeInput; readonly y: Y };
};

type Validation = { readonly data: BinnedDataset; readonly y: Float64Array };

function validateParams(p: HistGradientBoostingParams): void {
  if (!(p.learningRate > 0)) throw new Error("learningRate must be positive");
  if (!Number.isInteger(p.maxIter) || p.maxIter < 1) throw new Error("maxIter must be a positive integer");
  if (p.maxLeafNodes !== null && !(p.maxLeafNodes >= 2)) throw new Error("maxLeafNodes must be >= 2 or null");
  if (p.maxDepth !== null && !(p.maxDepth >= 1)) throw new Error("maxDepth must be >= 1 or null");
  if (!(p.minSamplesLeaf >= 1)) throw new Error("minSamplesLeaf must be >= 1");
  if (!(p.l2Regularization >= 0)) throw new Error("l2Regularization must be >= 0");
  if (!(p.nIterNoChange >= 1)) throw new Error("nIterNoChange must be >= 1");
  if (!Number.isInteger(p.threads) || p.threads < 1) throw new Error("threads must be a positive integer");
}

function binning(params: HistGradientBoostingParams) {
  return {
    maxBins: params.maxBins,
    categorical: "native" as const,
    categoricalColumns: params.categoricalFeatures,
    seed: params.seed,
  };
}

/** A caller's validation set binned with the training edges (the training data must be binned first). */
function bindValidation(mapper: BinMapper, x: TreeInput): BinnedDataset {
  if (!isBinnedDataset(x)) return transformBins(mapper, x);
  if (x.mapper !== mapper)
    throw new Error("A binned validation set must share the training data's bin mapper");
  return x;
}

/**
 * Shared fitting path: carve out the early-stopping hold-out (unless a validation set is given), then
 * boost. `y` holds the loss's targets as floats (class codes or values).
 */
function fitBoosting(
  params: HistGradientBoostingParams,
  data: BinnedDataset,
  y: Float64Array,
  loss: BoostingLoss,
  stratify: Int32Array | null,
  given: Validation | null,
): BoostingResult {
  validateParams(params);
  const early = params.earlyStopping === "auto" ? data.nRows > 10_000 : params.earlyStopping;
  let train = data;
  let yTrain = y;
  let earlyStopping: EarlyStopping | null = null;
  if (early) {
    let held = given;
    if (!held && params.validationFraction !== null) {
      const split = validationSplit(data.nRows, params.validationFraction, params.seed, stratify);
      train = selectBinnedRows(data, split.train);
      yTrain = Float64Array.from(split.train, (i) => y[i]!);
      held = {
        data: selectBinnedRows(data, split.validation),
        y: Float64Array.from(split.validation, (i) => y[i]!),
      };
    }
    earlyStopping = { nIterNoChange: params.nIterNoChange, tol: params.tol, validation: held };
  }
  const grower = {
    maxLeafNodes: params.maxLeafNodes,
    maxDepth: params.maxDepth,
    minSamplesLeaf: params.minSamplesLeaf,
    l2: params.l2Regularization,
    minHessianToSplit: 1e-3,
    learningRate: params.learningRate,
  };
  return boost(train, yTrain, loss, grower, params.maxIter, earlyStopping, params.threads);
}

function boostedEnsemble(mapper: BinMapper, result: BoostingResult): TreeEnsemble {
  return {
    schema: mapper.schema,
    trees: result.trees,
    nOutputs: result.baseline.length,
    treeOutput: result.treeOutput,
    treeWeight: 1,
    baseline: result.baseline,
  };
}

function historyOf(result: BoostingResult): BoostingHistory {
  return { nIter: result.nIter, trainScore: result.trainScore, validationScore: result.validationScore };
}

export class HistGradientBoostingClassifier implements ClassifierEstimator<TreeClassifierModel> {
  readonly kind = "hist_gradient_boosting_classifier";
  readonly params: HistGradientBoostingParams;

  constructor(params: Partial<HistGradientBoostingParams> = {}) {
    this.params = { ...HGB_DEFAULTS, ...params };
  }

  fit(x: TreeInput, target: ClassTarget, options: BoostingFitOptions<ClassTarget> = {}): TreeClassifierModel {
    const data = binnedInput(x, binning(this.params));
    checkClassTarget(target, data.nRows);
    const k = target.classes.length;
    if (k < 2) throw new Error("A classifier needs at least two classes");
    let validation: Validation | null = null;
    if (options.validation) {
      const v = options.validation;
      const vData = bindValidation(data.mapper, v.x);
      checkClassTarget(v.y, vData.nRows);
      if (v.y.classes.join("\u0000") !== target.classes.join("\u0000")) {
        throw new Error("The validation target must have the same classes as the training target");
      }
      validation = { data: vData, y: Float64Array.from(v.y.codes) };
    }
    const loss = k === 2 ? binaryLogLoss : multinomialLogLoss(k);
    const result = fitBoosting(
      this.params,
      data,
      Float64Array.from(target.codes),
      loss,
      target.codes,
      validation,
    );
    return new TreeClassifierModel(
      this.kind,
      this.params,
      target.classes,
      data.mapper,
      boostedEnsemble(data.mapper, result),
      k === 2 ? "logistic" : "softmax",
      historyOf(result),
    );
  }
}

export class HistGradientBoostingRegressor implements RegressorEstimator<TreeRegressorModel> {
  readonly kind = "hist_gradient_boosting_regressor";
  readonly params: HistGradientBoostingParams;

  constructor(params: Partial<HistGradientBoostingParams> = {}) {
    this.params = { ...HGB_DEFAULTS, ...params };
  }

  fit(
    x: TreeInput,
    target: Float64Array,
    options: BoostingFitOptions<Float64Array> = {},
  ): TreeRegressorModel {
    const data = binnedInput(x, binning(this.params));
    checkRegressionTarget(target, data.nRows);
    let validation: Validation | null = null;
    if (options.validation) {
      const vData = bindValidation(data.mapper, options.validation.x);
      checkRegressionTarget(options.validation.y, vData.nRows);
      validation = { data: vData, y: options.validation.y };
    }
    const result = fitBoosting(this.params, data, target, squaredError, null, validation);
    return new TreeRegressorModel(
      this.kind,
      this.params,
      data.mapper,
      boostedEnsemble(data.mapper, result),
      historyOf(result),
    );
  }
}
