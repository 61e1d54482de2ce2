// data
export { type CsvColumnType, type CsvOptions, parseCsv, readCsv } from "./data/csv.js";
export {
  DATASET_NAMES,
  type Dataset,
  type DatasetName,
  FLIGHTS_FEATURES,
  loadDataset,
  loadFlights,
} from "./data/datasets.js";
export { parseDateTime } from "./data/datetime.js";
export {
  buildDesign,
  type DesignLayout,
  type DesignMatrix,
  designLayoutOf,
  featureCount,
  featureNames,
  type OneHotBlock,
  toDenseRowMajor,
} from "./data/design-matrix.js";
export { type ClassTarget, classTargetOf, type Target, takeTarget } from "./data/target.js";
export { categoricalColumnOf, numericColumnOf } from "./frame/access.js";
export {
  type ArrayColumnInput,
  categoricalColumn,
  categoricalFromCodes,
  frameFromArrays,
  frameOf,
  numericColumn,
} from "./frame/build.js";
export * from "./frame/frame.js";
export {
  dropColumns,
  everyNthRow,
  type RowIndices,
  selectColumns,
  takeRows,
  withColumns,
} from "./frame/rows.js";
// linear
export {
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsStop,
  minimizeLbfgs,
  type Objective,
} from "./linear/lbfgs.js";
export {
  LinearRegression,
  type LinearRegressionOptions,
  LinearRegressor,
  Ridge,
  type RidgeOptions,
} from "./linear/least-squares.js";
export { linearModelLoaders } from "./linear/loaders.js";
export {
  type FitReport,
  LogisticRegression,
  LogisticRegressionModel,
  type LogisticRegressionOptions,
} from "./linear/logistic.js";
// metrics
export {
  type Average,
  accuracy,
  type ConfusionMatrix,
  confusionMatrix,
  f1Score,
  type LabelMetricOptions,
  type PrecisionRecallF1,
  precision,
  precisionRecallF1,
  recall,
} from "./metrics/classification.js";
export { brierScore, type CalibrationCurve, calibrationCurve, logLoss } from "./metrics/probabilistic.js";
export { averagePrecision, rocAuc, rocAucOvr } from "./metrics/ranking.js";
export { mae, mape, r2, rmse } from "./metrics/regression.js";
// pipeline
export type { Json, KindedJson } from "./pipeline/json.js";
export {
  argmaxRows,
  type ClassifierEstimator,
  type Estimator,
  type FittedClassifier,
  type FittedModel,
  type FittedRegressor,
  isClassifier,
  type ModelLoader,
  type RegressorEstimator,
} from "./pipeline/model.js";
export { FittedPipeline, PIPELINE_FORMAT, Pipeline } from "./pipeline/pipeline.js";
// preprocess
export { DATE_PARTS, type DatePart, DateParts, type DatePartsOptions } from "./preprocess/date-parts.js";
export {
  type EncoderOptions,
  expandOneHot,
  FittedOneHotEncoder,
  FittedOrdinalEncoder,
  MISSING_LEVEL,
  OneHotEncoder,
  type OneHotEncoderOptions,
  OrdinalEncoder,
  type OrdinalEncoderOptions,
} from "./preprocess/encode.js";
export {
  FittedSimpleImputer,
  type ImputeStrategy,
  SimpleImputer,
  type SimpleImputerOptions,
} from "./preprocess/impute.js";
export { linEncoding, ordEncoding } from "./preprocess/reference-encodings.js";
export { type TransformerLoader, transformerFromJSON, transformerLoaders } from "./preprocess/registry.js";
export { FittedAffineScaler, MinMaxScaler, type ScalerOptions, StandardScaler } from "./preprocess/scale.js";
export type { FittedTransformer, Transformer } from "./preprocess/transformer.js";
// split
export { type KFoldOptions, kFold, stratifiedKFold } from "./split/kfold.js";
export { mulberry32, type Random, shuffledIndices } from "./split/random.js";
export { type TimeSplitOptions, timeSplit } from "./split/time.js";
export {
  type SplitOptions,
  stratifiedTrainTestSplit,
  type TrainTestSplit,
  testCount,
  trainTestSplit,
} from "./split/train-test.js";
