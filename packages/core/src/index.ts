export * from "./api/artifacts.js";
export * from "./api/contract.js";
export * as datasets from "./api/datasets.js";
export {
  type ColumnDrift,
  type ColumnProfile,
  DATASET_UPLOAD_ROOT,
  type DatasetColumn,
  type DatasetFile,
  type DatasetProfile,
  type DatasetRef,
  type DatasetVersion,
  type DriftReport,
  type DriftTest,
  datasetUri,
  type Expectation,
  type ExpectationResult,
  ExpectationSuite,
  formatDatasetRef,
  PROFILE_QUANTILES,
  parseDatasetRef,
  parseExpectationSuite,
  parseExpectationSuiteJson,
  type ValidationRecord,
  type ValidationResult,
} from "./api/datasets.js";
export * as deployments from "./api/deployments.js";
export * as features from "./api/features.js";
export {
  type EntityDef,
  type FeatureRepository,
  type FeatureRepositoryInput,
  type FeatureServiceDef,
  type FeatureStatus,
  type FeatureValue,
  type FeatureViewDef,
  type OnDemandDef,
  parseFeatureRepository,
  type SourceDef,
} from "./api/features.js";
export * as monitoring from "./api/monitoring.js";
export * as pipelines from "./api/pipelines.js";
export * as registry from "./api/registry.js";
export {
  AUDIT_ACTIONS,
  type AuditAction,
  AuditEntry,
  MODEL_VERSION_STAGES,
  ModelVersion,
  type ModelVersionStage,
  RegisteredModel,
  RegisteredModelAlias,
} from "./api/registry.js";
export * as tracking from "./api/tracking.js";
export {
  type DatasetInput,
  Experiment,
  FileInfo,
  type KeyValue,
  Metric,
  RUN_STATUSES,
  Run,
  RunData,
  RunInfo,
  type RunStatus,
  VIEW_TYPES,
  type ViewType,
} from "./api/tracking.js";
export * from "./api/wire.js";
export * from "./errors.js";
export * from "./limits.js";
export * from "./model/manifest.js";
export * from "./model/mlflow-signature.js";
export * from "./model/signature.js";
export * from "./model/value-types.js";
