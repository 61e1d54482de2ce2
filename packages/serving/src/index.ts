/**
 * @gyre/serving: model directories, ONNX Runtime sessions behind an adaptive batcher, and the
 * inference protocols (MLflow scoring, Open Inference Protocol v2, KServe V1) as a Fastify plugin.
 */
export { buildServingApp, type ServingAppOptions } from "./app.js";
export { MANIFEST_FILE } from "./model/manifest.js";
export { MLMODEL_FILE } from "./model/mlflow-model.js";
export { type ModelDir, type ModelDirContents, readModelDir, writeModelDir } from "./model/model-dir.js";
export type { ColumnSpec, ModelSignature, TensorSpec, ValueSpec } from "./model/signature.js";
export * from "./protocols/contracts.js";
export { batchFromColumns, type Table, tableToBatch } from "./protocols/decode.js";
export { registerServingRoutes, type ServingRoutesOptions } from "./protocols/routes.js";
export {
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
