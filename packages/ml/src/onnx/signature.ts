/**
 * The serving signature of an export, in the form packages/serving reads from gyre-model.json
 * (serving/src/model/signature.ts): a column signature, one MLflow column type per input column,
 * which the serving runtime maps onto the graph's one-input-per-column layout; tensor specs for the
 * outputs. Written here rather than imported because @gyre/serving brings onnxruntime and an HTTP
 * server with it, which a training library must not depend on at run time.
 */
import type { TensorDataType, ValueInfo } from "@gyre/onnx";
import type { OnnxExport } from "./export.js";

export interface ColumnSpecJson {
  readonly name: string;
  readonly type: "double" | "string";
}

export interface TensorSpecJson {
  readonly name: string;
  readonly type: string;
  /** -1 for the batch dimension. */
  readonly shape: readonly number[];
}

export interface SignatureJson {
  readonly inputs: readonly ColumnSpecJson[];
  readonly outputs: readonly TensorSpecJson[];
}

/** ONNX element types → the serving runtime's element type names (onnxruntime's). */
const SERVING_TYPES: Partial<Record<TensorDataType, string>> = {
  double: "float64",
  float: "float32",
  int64: "int64",
  int32: "int32",
  string: "string",
  bool: "bool",
};

function tensorSpec(info: ValueInfo): TensorSpecJson {
  const type = SERVING_TYPES[info.elemType];
  if (!type) throw new Error(`No serving type for ONNX element type '${info.elemType}'`);
  return { name: info.name, type, shape: (info.shape ?? []).map((d) => (typeof d === "number" ? d : -1)) };
}

export function signatureOf(exported: OnnxExport): SignatureJson {
  return {
    inputs: exported.inputs.map((c) => ({ name: c.name, type: c.kind === "numeric" ? "double" : "string" })),
    outputs: exported.outputs.map(tensorSpec),
  };
}
