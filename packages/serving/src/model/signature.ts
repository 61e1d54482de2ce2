/**
 * Signatures (types, the manifest schema and MLflow's MLmodel form) moved to @gyre/core, so the
 * SDK can write them without the runtime's dependencies; re-exported here for the runtime.
 */
export {
  type ColumnSpec,
  isColumnSignature,
  isTensorSpec,
  type ModelSignature,
  parseMlflowSignature,
  signatureSchema,
  signatureToJson,
  signatureToMlflow,
  type TensorSpec,
  type ValueSpec,
  valueSpecSchema,
} from "@gyre/core";
