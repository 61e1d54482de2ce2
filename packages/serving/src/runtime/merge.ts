import type { BigIntArray, NumericArray, TensorData } from "./dtypes.js";
import { InputBatch } from "./input-schema.js";
import type { OutputTensor, Prediction } from "./predictor.js";

function sameShapes(a: InputBatch, b: InputBatch): boolean {
  return a.rowShapes.every((shape, i) => {
    const other = b.rowShapes[i]!;
    return shape.length === other.length && shape.every((d, j) => d === other[j]);
  });
}

/** Whether two requests' batches can be concatenated row-wise. */
export function canJoin(first: InputBatch, next: InputBatch): boolean {
  return first.rowShapes === next.rowShapes || sameShapes(first, next);
}

/** Concatenates batches row-wise: one typed-array copy per feed per request. */
export function mergeBatches(batches: readonly InputBatch[]): InputBatch {
  if (batches.length === 1) return batches[0]!;
  const first = batches[0]!;
  const rows = batches.reduce((n, b) => n + b.rows, 0);
  const data = first.data.map((feed, f): TensorData => {
    const length = batches.reduce((n, b) => n + b.data[f]!.length, 0);
    if (Array.isArray(feed)) {
      const merged: string[] = [];
      for (const b of batches) for (const s of b.data[f] as string[]) merged.push(s);
      return merged;
    }
    // Same constructor as the parts, so `set` copies raw elements (bigints into BigInt64Array alike).
    const merged = new (feed.constructor as new (n: number) => NumericArray | BigIntArray)(length);
    let offset = 0;
    const target = merged as unknown as { set(source: unknown, offset: number): void };
    for (const b of batches) {
      const part = b.data[f]!;
      target.set(part, offset);
      offset += part.length;
    }
    return merged;
  });
  return new InputBatch(rows, data, first.rowShapes);
}

/** Cuts each output of a combined run back into per-request views (no copies for typed arrays). */
export function splitOutputs(outputs: readonly OutputTensor[], batches: readonly InputBatch[]): Prediction[] {
  if (batches.length === 1) return [{ rows: batches[0]!.rows, outputs }];
  const results: { rows: number; outputs: OutputTensor[] }[] = batches.map((b) => ({
    rows: b.rows,
    outputs: [],
  }));
  for (const output of outputs) {
    const rowSize = output.shape.slice(1).reduce((a, b) => a * b, 1);
    let row = 0;
    batches.forEach((b, i) => {
      const start = row * rowSize;
      const end = (row + b.rows) * rowSize;
      const data = Array.isArray(output.data)
        ? output.data.slice(start, end)
        : (output.data as NumericArray).subarray(start, end);
      results[i]!.outputs.push({
        ...output,
        shape: [b.rows, ...output.shape.slice(1)],
        data: data as TensorData,
      });
      row += b.rows;
    });
  }
  return results;
}
