/** ONNX export of fitted pipelines, models and transformers; see export.ts and exportable.ts. */
export { type CategoricalValues, mapCategorical, UNKNOWN_STRING } from "./categorical.js";
export {
  buildOnnxExport,
  type ExportOnnxOptions,
  exportOnnx,
  type OnnxExport,
  type OnnxExportTarget,
} from "./export.js";
export {
  isOnnxExportable,
  type ModelExporter,
  type OnnxExportable,
  type OnnxExportableTransformer,
  type OnnxModelOutputs,
  registerModelExporter,
  registerTransformerExporter,
  type TransformerExporter,
} from "./exportable.js";
export { GraphBuilder, type OpOptions } from "./graph-builder.js";
export {
  BATCH_DIM,
  DEFAULT_MISSING_STRINGS,
  frameToOnnxFeeds,
  inputColumnsOf,
  inputExampleOf,
  type OnnxColumnKind,
  type OnnxFeed,
  type OnnxInputColumn,
  type SplitOrientExample,
} from "./input-convention.js";
export { designMatrix } from "./linear-export.js";
export {
  type GyreModelManifest,
  MODEL_MANIFEST_FILE,
  MODEL_ONNX_FILE,
  PIPELINE_JSON_FILE,
  type ToModelDirOptions,
  toModelDir,
  type WrittenModelDir,
} from "./model-dir.js";
export { OUTPUT_NAMES } from "./model-outputs.js";
export {
  type ColumnValues,
  type FeatureColumn,
  type NamedValues,
  type NumericValues,
  OnnxFrame,
  type OnnxFrameOptions,
} from "./onnx-frame.js";
export { type ColumnSpecJson, type SignatureJson, signatureOf, type TensorSpecJson } from "./signature.js";
