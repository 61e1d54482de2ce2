export type {
  AuditEntry,
  ColumnProfile,
  ColumnSpec,
  DatasetInput,
  DatasetProfile,
  DatasetVersion,
  ErrorCode,
  Expectation,
  ExpectationResult,
  ExpectationSuite,
  Experiment,
  FileInfo,
  KeyValue,
  Metric,
  ModelSignature,
  ModelVersion,
  ModelVersionStage,
  RegisteredModel,
  Run as RunRecord,
  RunData,
  RunInfo,
  RunStatus,
  TensorSpec,
  ValidationRecord,
  ValidationResult,
  ValueSpec,
  ViewType,
} from "@gyre/core";
export { monitoring, registry, tracking } from "@gyre/core";
export { GyreError } from "@gyre/core/errors";
export { type FetchLike, GyreClient, type GyreClientOptions, type HttpRequest } from "./client.js";
export {
  type Dataset,
  type DatasetProgress,
  datasetOf,
  getDataset,
  getDatasetProfile,
  listDatasetResults,
  listDatasets,
  listDatasetVersions,
  type RegisterDatasetOptions,
  registerDataset,
  validateDataset,
} from "./datasets.js";
export {
  type Answer,
  type Deployment,
  type DeploymentArm,
  type DeploymentRevision,
  type DeploymentShadow,
  type DeploymentSpec,
  type DeploymentSpecInput,
  DeploymentsClient,
  type DeploymentUpdate,
  type MlflowInvocationRequest,
  type MlflowInvocationResponse,
  type PredictOptions,
  type V2InferenceRequest,
  type V2InferenceResponse,
  type V2Parameters,
  type V2Tensor,
} from "./deployments.js";
export {
  FeaturesClient,
  type GetHistoricalOptions,
  type GetOnlineOptions,
  type MaterializeJob,
  type MaterializeOptions,
  type OnlineFeatures,
  type RegistryPlan,
} from "./features.js";
export { Gyre, type GyreOptions, type RunsPage, type SearchRunsOptions } from "./gyre.js";
export type { LogModelOptions } from "./log-model.js";
export { downloadModel } from "./model-download.js";
export type { ModelSource } from "./model-source.js";
export { isModelsUri, isRunsUri, parseRunsUri, type RunsUri } from "./model-uri.js";
export { type LabelValue, MonitoringClient, type PredictionQuery } from "./monitoring.js";
export { attachRun, PipelinesClient } from "./pipelines.js";
export {
  filterString,
  type RegisterModelOptions,
  type ResolvedModel,
  type SearchOptions,
  type TransitionOptions,
} from "./registry.js";
export {
  type DatasetContext,
  type DatasetDescription,
  type LogInputOptions,
  type MetricOptions,
  type ParamValue,
  Run,
  type StartRunOptions,
} from "./run.js";
export {
  DEFAULT_TRACKING_URI,
  type Environment,
  resolveTrackingUri,
  trackingUriFromEnv,
} from "./tracking-uri.js";
