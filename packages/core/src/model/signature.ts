import { z } from "zod";
import { type ColumnType, type ElementType, isColumnType, isElementType } from "./value-types.js";

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
