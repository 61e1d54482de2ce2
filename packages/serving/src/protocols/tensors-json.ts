import type { ElementType, NumericArray, TensorData } from "../runtime/dtypes.js";

/**
 * Output tensors as JSON values. int64 becomes a JSON number (exact up to 2^53, as the
 * Open Inference Protocol text allows), bool a JSON boolean.
 */
export function flatJson(data: TensorData, type: ElementType): unknown[] {
  if (Array.isArray(data)) return data;
  if (type === "bool") return Array.from(data as Uint8Array, (v) => v !== 0);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as NumericArray);
}

/** Nests a flat row-major list by `shape` (numpy's tolist()). */
export function nest(flat: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return shape.length === 0 ? flat[0] : flat;
  const inner = shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), inner));
}
