import { GyreError } from "../errors.js";
import {
  type ColumnSpec,
  isTensorSpec,
  type ModelSignature,
  type TensorSpec,
  type ValueSpec,
} from "./signature.js";
import { type ElementType, isColumnType } from "./value-types.js";

/**
 * Signatures as MLflow writes them in MLmodel: `signature.inputs` / `signature.outputs` are JSON
 * *strings* holding a list of colspecs (`{"type": "double", "name": "x"}`) or tensorspecs
 * (`{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 20]}}`).
 */

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

/** Reads MLmodel's `signature` block; undefined when it declares no inputs. */
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

/** The NumPy name MLflow gives an element type (the inverse of NUMPY_DTYPES). */
function numpyDtype(type: ElementType): string {
  return type === "string" ? "str" : type;
}

function mlflowSpecOf(spec: ValueSpec): Record<string, unknown> {
  const name = spec.name === undefined ? {} : { name: spec.name };
  if (isTensorSpec(spec)) {
    return {
      type: "tensor",
      "tensor-spec": { dtype: numpyDtype(spec.type), shape: [...spec.shape] },
      ...name,
    };
  }
  // MLflow 2.x marks every column it writes as required.
  return { type: spec.type, ...name, required: true };
}

/**
 * The MLmodel form of a signature (the inverse of `parseMlflowSignature`), so MLflow clients
 * read the signature of a model Gyre wrote.
 */
export function signatureToMlflow(signature: ModelSignature): {
  inputs: string;
  outputs: string | null;
  params: null;
} {
  return {
    inputs: JSON.stringify(signature.inputs.map(mlflowSpecOf)),
    outputs: signature.outputs.length === 0 ? null : JSON.stringify(signature.outputs.map(mlflowSpecOf)),
    params: null,
  };
}
