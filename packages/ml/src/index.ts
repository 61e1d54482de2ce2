// cluster
export { type DenseMatrix, denseFromFrame } from "./cluster/dense-matrix.js";
export { KMeans, KMeansModel, type KMeansParams } from "./cluster/kmeans.js";
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
// explain
export {
  type PermutationImportance,
  type PermutationImportanceOptions,
  permutationImportance,
} from "./explain/permutation-importance.js";
export { type ShapValues, TreeShapExplainer, treeExpectation, treeShap } from "./explain/tree-shap.js";
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
// onnx export
export {
  buildOnnxExport,
  type CategoricalValues,
  type ColumnSpecJson,
  type ColumnValues,
  DEFAULT_MISSING_STRINGS,
  type ExportOnnxOptions,
  exportOnnx,
  type FeatureColumn,
  frameToOnnxFeeds,
  GraphBuilder,
  type GyreModelManifest,
  inputColumnsOf,
  inputExampleOf,
  isOnnxExportable,
  MODEL_MANIFEST_FILE,
  MODEL_ONNX_FILE,
  type ModelExporter,
  mapCategorical,
  type NamedValues,
  type NumericValues,
  type OnnxColumnKind,
  type OnnxExport,
  type OnnxExportable,
  type OnnxExportableTransformer,
  type OnnxExportTarget,
  type OnnxFeed,
  OnnxFrame,
  type OnnxInputColumn,
  type OnnxModelOutputs,
  OUTPUT_NAMES,
  PIPELINE_JSON_FILE,
  registerModelExporter,
  registerTransformerExporter,
  type SignatureJson,
  type SplitOrientExample,
  signatureOf,
  type TensorSpecJson,
  type ToModelDirOptions,
  type TransformerExporter,
  toModelDir,
  type WrittenModelDir,
} from "./onnx/index.js";
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
// trees
export {
  type BinMapper,
  type BinnedDataset,
  type BinningOptions,
  binMapperFromJSON,
  binMapperToJSON,
  type CategoricalTreatment,
  type FeatureBins,
  fitBins,
  MAX_BINS,
  selectBinnedRows,
  transformBins,
} from "./trees/binning.js";
export type { MaxFeatures } from "./trees/cart/cart-data.js";
export type { CartCriterion } from "./trees/cart/cart-grower.js";
export {
  DecisionTreeClassifier,
  type DecisionTreeParams,
  DecisionTreeRegressor,
} from "./trees/decision-tree.js";
export { type FeatureSchema, type FeatureSpec, rowMajorFeatures } from "./trees/feature-schema.js";
export {
  type FlatTree,
  goesLeft,
  leafCount,
  leafOfBinnedRow,
  leafOfRow,
  treeDepth,
} from "./trees/flat-tree.js";
export {
  type BoostingFitOptions,
  HGB_DEFAULTS,
  HistGradientBoostingClassifier,
  type HistGradientBoostingParams,
  HistGradientBoostingRegressor,
} from "./trees/hist-gradient-boosting.js";
export type { TreeInput } from "./trees/model-input.js";
export {
  RandomForestClassifier,
  type RandomForestParams,
  RandomForestRegressor,
} from "./trees/random-forest.js";
export { rawOutputOfRow, rawOutputs, type TreeEnsemble } from "./trees/tree-ensemble.js";
export {
  type BoostingHistory,
  type OutputLink,
  TREE_MODEL_FORMAT,
  TreeClassifierModel,
  TreeRegressorModel,
  treeModelLoaders,
} from "./trees/tree-model.js";
// tuning
export {
  type AnyParams,
  type CrossValidationOptions,
  type CrossValidationResult,
  categorical,
  conditional,
  crossValidate,
  crossValidationObjective,
  crossValidationSplits,
  type Direction,
  enumerateGrid,
  type Fittable,
  type FittedPredictor,
  type FittedProbabilistic,
  type GridOptions,
  GridSampler,
  int,
  logUniform,
  MedianPruner,
  type MedianPrunerOptions,
  type Objective as TuningObjective,
  type Param,
  type ParamsOf,
  type ParamValue,
  type Pruner,
  RandomSampler,
  type Sampler,
  type Scorer,
  type SearchSpace,
  scorers,
  type TpeOptions,
  TpeSampler,
  type TrialContext,
  type TrialLogger,
  TrialPruned,
  type TrialRecord,
  type TrialRun,
  type TrialRunStatus,
  type TrialStatus,
  type TuneOptions,
  type TuneResult,
  tune,
  uniform,
} from "./tuning/index.js";
