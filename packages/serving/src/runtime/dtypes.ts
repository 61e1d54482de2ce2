/**
 * Element types, once: the names ONNX Runtime's JS tensors use, their typed arrays, and the
 * names the protocols give them (Open Inference Protocol datatypes, MLflow column types).
 */

import type { ElementType } from "@gyre/core";

// The type names are shared with the SDK's manifests, so they live in @gyre/core.
export {
  COLUMN_TYPES,
  type ColumnType,
  ELEMENT_TYPES,
  type ElementType,
  isColumnType,
  isElementType,
} from "@gyre/core";

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;
export type BigIntArray = BigInt64Array | BigUint64Array;
/** The storage of a tensor: a typed array (bool as one byte per element) or strings. */
export type TensorData = NumericArray | BigIntArray | string[];

export function allocate(type: ElementType, length: number): TensorData {
  switch (type) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int8":
      return new Int8Array(length);
    case "int16":
      return new Int16Array(length);
    case "int32":
      return new Int32Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "uint8":
    case "bool":
      return new Uint8Array(length);
    case "uint16":
      return new Uint16Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "uint64":
      return new BigUint64Array(length);
    case "string":
      return new Array<string>(length).fill("");
  }
}

export type TypeFamily = "float" | "int" | "bool" | "string";

export function familyOf(type: ElementType): TypeFamily {
  if (type === "float32" || type === "float64") return "float";
  if (type === "bool" || type === "string") return type;
  return "int";
}

/** Integer ranges for validation (int64 values arrive as JSON numbers, so they stop at 2^53). */
export const INTEGER_RANGES: Record<string, readonly [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** Open Inference Protocol datatypes. FP16 and BF16 have no JSON form worth supporting: 501. */
const V2_DATATYPES: Record<ElementType, string> = {
  float32: "FP32",
  float64: "FP64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  bool: "BOOL",
  string: "BYTES",
};
const FROM_V2_DATATYPE = new Map(
  Object.entries(V2_DATATYPES).map(([type, datatype]) => [datatype, type as ElementType]),
);

export function v2Datatype(type: ElementType): string {
  return V2_DATATYPES[type];
}

export function fromV2Datatype(datatype: string): ElementType | undefined {
  return FROM_V2_DATATYPE.get(datatype);
}

/** Bytes per element in the binary tensor extension (BYTES is length-prefixed, so variable). */
export function byteWidth(type: ElementType): number | undefined {
  if (type === "string") return undefined;
  if (type === "bool") return 1;
  const data = allocate(type, 0) as NumericArray | BigIntArray;
  return data.BYTES_PER_ELEMENT;
}
