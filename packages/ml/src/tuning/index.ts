/** Hyper-parameter tuning: typed search spaces, grid / random / TPE search, cross-validation, pruning. */
export {
  type CrossValidationOptions,
  type CrossValidationResult,
  crossValidate,
  crossValidationObjective,
  crossValidationSplits,
} from "./cross-validation.js";
export { enumerateGrid, type GridOptions, GridSampler, gridValues } from "./grid-sampler.js";
export { MedianPruner, type MedianPrunerOptions } from "./median-pruner.js";
export { categoricalProbabilities, TruncatedGaussianMixture } from "./parzen.js";
export { RandomSampler } from "./random-sampler.js";
export {
  type Fittable,
  type FittedPredictor,
  type FittedProbabilistic,
  type Scorer,
  scorers,
} from "./scoring.js";
export {
  type AnyParams,
  type BaseParam,
  type CategoricalParam,
  type ConditionalParam,
  categorical,
  conditional,
  type IntParam,
  int,
  type LogUniformParam,
  logUniform,
  type Param,
  type ParamsOf,
  type ParamValue,
  type SearchSpace,
  type UniformParam,
  uniform,
  type ValueOf,
} from "./space.js";
export { type TpeOptions, TpeSampler } from "./tpe-sampler.js";
export {
  type Direction,
  type Objective,
  type Pruner,
  type Sampler,
  type TrialContext,
  TrialPruned,
  type TrialRecord,
  type TrialStatus,
} from "./trial.js";
export type { TrialLogger, TrialRun, TrialRunStatus } from "./trial-logger.js";
export { type TuneOptions, type TuneResult, tune } from "./tune.js";
