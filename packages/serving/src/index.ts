/**
 * @gyre/serving: model directories, ONNX Runtime sessions behind an adaptive batcher, and the
 * inference protocols (MLflow scoring, Open Inference Protocol v2, KServe V1) as a Fastify plugin;
 * deployments (weighted arms, sticky keys, shadows, hot swap and rollback), the prediction log
 * and Prometheus metrics.
 */
export { buildServingApp, type ServingAppOptions } from "./app.js";
export {
  type ApplyResult,
  Deployment,
  type DeploymentObserver,
  type DeploymentOptions,
  type DeploymentStatus,
  type ModelVersionSource,
} from "./deployments/deployment.js";
export { DeploymentRegistry } from "./deployments/deployment-registry.js";
export { diffPredictions, type OutputDiff, type PredictionDiff } from "./deployments/diff.js";
export type { ShadowOutcome } from "./deployments/mirror.js";
export { routeKeyPoint } from "./deployments/route-key.js";
export {
  DEFAULT_ROUTE_KEY_HEADER,
  type DeploymentSpec,
  type DeploymentSpecInput,
  describeSpec,
  parseDeploymentSpec,
} from "./deployments/spec.js";
export {
  type FamilySnapshot,
  MetricsRegistry,
  type MetricsSnapshot,
  mergeSnapshots,
  renderSnapshot,
} from "./metrics/registry.js";
export { BATCH_ROW_BOUNDS, LATENCY_BOUNDS, ServingMetrics } from "./metrics/serving-metrics.js";
export { MANIFEST_FILE } from "./model/manifest.js";
export { MLMODEL_FILE } from "./model/mlflow-model.js";
export { type ModelDir, type ModelDirContents, readModelDir, writeModelDir } from "./model/model-dir.js";
export type { ColumnSpec, ModelSignature, TensorSpec, ValueSpec } from "./model/signature.js";
export { JsonlDaySink, type JsonlSinkOptions } from "./prediction-log/jsonl-sink.js";
export {
  PredictionLog,
  type PredictionLogOptions,
  type PredictionLogStats,
} from "./prediction-log/prediction-log.js";
export {
  type LoggedEntry,
  type PredictionEntry,
  type PredictionRecord,
  type PredictionRecorder,
  toRecord,
} from "./prediction-log/record.js";
export type { PredictionSink } from "./prediction-log/sink.js";
export {
  jsonlSinkModule,
  type SinkModule,
  ThreadedPredictionLog,
} from "./prediction-log/threaded-log.js";
export * from "./protocols/contracts.js";
export { parseCsv } from "./protocols/csv.js";
export { batchFromColumns, type Table, tableToBatch } from "./protocols/decode.js";
export type { InferenceOutcome, Protocol, ServingObserver } from "./protocols/observe.js";
export { requestIdOf } from "./protocols/observe.js";
export {
  type MetricsSource,
  type ModelsSource,
  PROMETHEUS_CONTENT_TYPE,
  registerServingRoutes,
  type ServingRoutesOptions,
} from "./protocols/routes.js";
export { type FastPathOptions, type MountedModels, v2FastPath } from "./protocols/v2-fast-path.js";
export {
  type DeploymentArm,
  type ModelRegistryView,
  type RequestContext,
  type ServedModel,
  StaticModelRegistry,
} from "./registry-view.js";
export type { BatcherStats, BatchingOptions } from "./runtime/batcher.js";
export type { ColumnType, ElementType, TensorData } from "./runtime/dtypes.js";
export type { Feed, Field, GraphValue, InputBatch, InputSchema } from "./runtime/input-schema.js";
export { ModelRuntime, type RuntimeOptions } from "./runtime/model-runtime.js";
export type { OutputTensor, Prediction, Predictor } from "./runtime/predictor.js";
export { ServingTelemetry } from "./telemetry.js";
