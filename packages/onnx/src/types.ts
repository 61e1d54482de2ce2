/**
 * The plain-object description of an ONNX model that `encodeModel` serialises. Names follow
 * onnx.proto; element types are the lower-case `TensorProto.DataType` names.
 */

/** `TensorProto.DataType` numbers by name. */
export const TENSOR_DATA_TYPES = {
  float: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  double: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
} as const;

export type TensorDataType = keyof typeof TENSOR_DATA_TYPES;

/** The default operator set's domain, and the classical-ML one (`LinearClassifier`, trees, ...). */
export const ONNX_DOMAIN = "";
export const ML_DOMAIN = "ai.onnx.ml";

/**
 * Versions every ONNX Runtime since 1.10 loads: IR 8 is the IR of opset 15–17 and ai.onnx.ml 3
 * (the version whose tree ensembles skl2onnx and onnxmltools emit).
 */
export const DEFAULT_IR_VERSION = 8;
export const DEFAULT_ONNX_OPSET = 17;
export const DEFAULT_ML_OPSET = 3;

export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

/** A dimension: a fixed size, a symbolic name ("N", "batch"), or null for unknown. */
export type Dim = number | string | null;

/** A graph input or output: a tensor of `elemType`; no `shape` means unknown rank. */
export interface ValueInfo {
  readonly name: string;
  readonly elemType: TensorDataType;
  readonly shape?: readonly Dim[];
  readonly docString?: string;
}

/** Exactly one typed payload, the one onnx.proto prescribes for the data type. */
export type TensorValues =
  | { readonly dataType: "float"; readonly floatData: ArrayLike<number> }
  | { readonly dataType: "double"; readonly doubleData: ArrayLike<number> }
  | { readonly dataType: "int64"; readonly int64Data: ArrayLike<number | bigint> }
  | {
      readonly dataType: "int32" | "int16" | "int8" | "uint16" | "uint8" | "bool";
      readonly int32Data: ArrayLike<number>;
    }
  | { readonly dataType: "uint32" | "uint64"; readonly uint64Data: ArrayLike<number | bigint> }
  | { readonly dataType: "string"; readonly stringData: readonly string[] };

/** A constant tensor: a graph initializer (named) or a `tensor` attribute's value. */
export type Tensor = {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly docString?: string;
} & TensorValues;

/** An attribute value, tagged with its `AttributeProto.AttributeType` (JSON numbers cannot tell int from float). */
export type AttributeValue =
  | { readonly type: "int"; readonly value: number | bigint }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "tensor"; readonly value: Tensor }
  | { readonly type: "graph"; readonly value: Graph }
  | { readonly type: "ints"; readonly value: ArrayLike<number | bigint> }
  | { readonly type: "floats"; readonly value: ArrayLike<number> }
  | { readonly type: "strings"; readonly value: readonly string[] };

export interface Node {
  readonly opType: string;
  /** Operator set domain; omitted or "" is the default ONNX domain. */
  readonly domain?: string;
  readonly name?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly docString?: string;
}

export interface Graph {
  readonly name: string;
  /** Topologically sorted. */
  readonly nodes: readonly Node[];
  readonly initializers?: readonly (Tensor & { readonly name: string })[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Types of intermediate values (optional in ONNX). */
  readonly valueInfo?: readonly ValueInfo[];
  readonly docString?: string;
}

export interface Model {
  readonly irVersion: number;
  readonly opsetImports: readonly OpsetImport[];
  readonly graph: Graph;
  readonly producer?: { readonly name: string; readonly version?: string };
  readonly domain?: string;
  readonly modelVersion?: number;
  readonly docString?: string;
  /** `metadata_props`: free-form string pairs (feature names, training run, ...). */
  readonly metadata?: Readonly<Record<string, string>>;
}
