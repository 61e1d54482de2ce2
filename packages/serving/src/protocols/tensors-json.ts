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

/**
 * A flat tensor as JSON array text, the text `JSON.stringify(flatJson(data, type))` gives, without
 * the intermediate array: NaN and ±Infinity become null as JSON.stringify makes them.
 */
export function jsonArray(data: TensorData, type: ElementType): string {
  if (Array.isArray(data)) return JSON.stringify(data);
  const n = data.length;
  if (n === 0) return "[]";
  let text = "[";
  if (type === "bool") {
    for (let i = 0; i < n; i++) text += (i === 0 ? "" : ",") + (data[i] !== 0 ? "true" : "false");
  } else {
    for (let i = 0; i < n; i++) {
      const v = Number(data[i]);
      text += (i === 0 ? "" : ",") + (Number.isFinite(v) ? String(v) : "null");
    }
  }
  return `${text}]`;
}

/** Nests a flat row-major list by `shape` (numpy's tolist()). */
export function nest(flat: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return shape.length === 0 ? flat[0] : flat;
  const inner = shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), inner));
}
