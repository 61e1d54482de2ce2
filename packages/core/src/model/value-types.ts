/**
 * The value types a model's signature can name: tensor element types (the names ONNX Runtime's
 * JS tensors use) and MLflow's column types with the element type each is served as. Pure data,
 * shared by the SDK (which writes manifests) and the serving runtime (which feeds tensors).
 */

export const ELEMENT_TYPES = [
  "float32",
  "float64",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "string",
] as const;

export type ElementType = (typeof ELEMENT_TYPES)[number];

export function isElementType(value: string): value is ElementType {
  return (ELEMENT_TYPES as readonly string[]).includes(value);
}

/** MLflow's column types (`ColSpec.type`) and the element type each is served as. */
export const COLUMN_TYPES = {
  double: "float64",
  float: "float32",
  long: "int64",
  integer: "int32",
  boolean: "bool",
  string: "string",
} as const satisfies Record<string, ElementType>;

export type ColumnType = keyof typeof COLUMN_TYPES;

export function isColumnType(value: string): value is ColumnType {
  return Object.hasOwn(COLUMN_TYPES, value);
}
