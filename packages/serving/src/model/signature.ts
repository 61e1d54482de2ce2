import { GyreError } from "@gyre/core";
import { z } from "zod";
import { type ColumnType, type ElementType, isColumnType, isElementType } from "../runtime/dtypes.js";

/**
 * A model signature: named, typed inputs and outputs. Column signatures (MLflow `ColSpec`: one
 * scalar per row and column) and tensor signatures (`TensorSpec`: an array per row, the first
 * dimension the batch) are told apart by `shape`, which only tensors have.
 */
export interface ColumnSpec {
  /** Unnamed columns (MLflow allows them) are addressed by position: "0", "1", ... */
  readonly name?: string;
  readonly type: ColumnType;
}

export interface TensorSpec {
  /** An unnamed tensor takes the ONNX graph's input name at the same position. */
  readonly name?: string;
  readonly type: ElementType;
  /** -1 marks a variable dimension; the first is the batch. */
  readonly shape: readonly number[];
}

export type ValueSpec = ColumnSpec | TensorSpec;

export interface ModelSignature {
  readonly inputs: readonly ColumnSpec[] | readonly TensorSpec[];
  readonly outputs: readonly ValueSpec[];
}

export function isTensorSpec(spec: ValueSpec): spec is TensorSpec {
  return "shape" in spec;
}

export function isColumnSignature(inputs: ModelSignature["inputs"]): inputs is readonly ColumnSpec[] {
  return inputs.length > 0 && !isTensorSpec(inputs[0]!);
}

/** One entry as written in gyre-model.json: `{name?, type, shape?}`. */
export const valueSpecSchema = z
  .object({
    name: z.string().min(1).optional(),
    type: z.string(),
    shape: z.array(z.number().int().min(-1)).optional(),
  })
  .transform((raw, ctx): ValueSpec => {
    const name = raw.name === undefined ? {} : { name: raw.name };
    if (raw.shape !== undefined) {
      if (isElementType(raw.type)) return { ...name, type: raw.type, shape: raw.shape };
      ctx.issues.push({
        code: "custom",
        message: `unsupported tensor type '${raw.type}'`,
        input: raw.type,
        path: ["type"],
      });
    } else {
      if (isColumnType(raw.type)) return { ...name, type: raw.type };
      ctx.issues.push({
        code: "custom",
        message: `unsupported column type '${raw.type}'`,
        input: raw.type,
        path: ["type"],
      });
    }
    return z.NEVER;
  });

export const signatureSchema = z
  .object({ inputs: z.array(valueSpecSchema).min(1), outputs: z.array(valueSpecSchema).default([]) })
  .transform((raw, ctx): ModelSignature => {
    const tensors = raw.inputs.filter(isTensorSpec);
    if (tensors.length !== 0 && tensors.length !== raw.inputs.length) {
      ctx.issues.push({
        code: "custom",
        message: "inputs mix columns and tensors",
        input: raw.inputs,
        path: ["inputs"],
      });
      return z.NEVER;
    }
    return raw as ModelSignature;
  });

/** The manifest form of a signature (the inverse of `signatureSchema`). */
export function signatureToJson(signature: ModelSignature): { inputs: ValueSpec[]; outputs: ValueSpec[] } {
  return { inputs: [...signature.inputs], outputs: [...signature.outputs] };
}

/** NumPy dtype names MLflow writes in tensor specs. */
const NUMPY_DTYPES: Record<string, ElementType> = {
  float32: "float32",
  float64: "float64",
  int8: "int8",
  int16: "int16",
  int32: "int32",
  int64: "int64",
  uint8: "uint8",
  uint16: "uint16",
  uint32: "uint32",
  uint64: "uint64",
  bool: "bool",
  str: "string",
  object: "string",
};

function fail(what: string, detail: string): never {
  throw new GyreError("INVALID_PARAMETER_VALUE", `Invalid MLflow signature ${what}: ${detail}`);
}

function mlflowSpec(item: unknown, what: string): ValueSpec {
  if (typeof item !== "object" || item === null)
    fail(what, `expected an object, got ${JSON.stringify(item)}`);
  const entry = item as {
    type?: unknown;
    name?: unknown;
    "tensor-spec"?: { dtype?: unknown; shape?: unknown };
  };
  const name = typeof entry.name === "string" && entry.name !== "" ? { name: entry.name } : {};
  if (entry.type === "tensor") {
    const dtype = NUMPY_DTYPES[String(entry["tensor-spec"]?.dtype)];
    const shape = entry["tensor-spec"]?.shape;
    if (!dtype) fail(what, `unsupported tensor dtype '${String(entry["tensor-spec"]?.dtype)}'`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
      fail(what, `tensor shape must be a list of integers, got ${JSON.stringify(shape)}`);
    }
    return { ...name, type: dtype, shape: shape as number[] };
  }
  if (typeof entry.type === "string" && isColumnType(entry.type)) return { ...name, type: entry.type };
  return fail(what, `unsupported column type '${String(entry.type)}'`);
}

/**
 * MLflow stores `signature.inputs` / `signature.outputs` in MLmodel as JSON *strings* holding a
 * list of colspecs (`{"type": "double", "name": "x"}`) or tensorspecs
 * (`{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 20]}}`).
 */
export function parseMlflowSignature(raw: {
  inputs?: unknown;
  outputs?: unknown;
}): ModelSignature | undefined {
  const list = (value: unknown, what: string): ValueSpec[] => {
    if (value === undefined || value === null) return [];
    let parsed: unknown = value;
    if (typeof value === "string") {
      try {
        parsed = JSON.parse(value);
      } catch (error) {
        fail(what, `not JSON (${(error as Error).message})`);
      }
    }
    if (!Array.isArray(parsed)) fail(what, "expected a list of column or tensor specs");
    return parsed.map((item) => mlflowSpec(item, what));
  };
  const inputs = list(raw.inputs, "inputs");
  if (inputs.length === 0) return undefined;
  const tensors = inputs.filter(isTensorSpec);
  if (tensors.length !== 0 && tensors.length !== inputs.length)
    fail("inputs", "columns and tensors are mixed");
  return { inputs: inputs as ColumnSpec[] | TensorSpec[], outputs: list(raw.outputs, "outputs") };
}
