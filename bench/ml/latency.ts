/**
 * Batch-1 predict latency in process, as a single-request server runs it: one row at a time, the
 * median over many distinct test rows (one repeated row would let the CPU learn the trees' branches).
 * Two paths: the row API (`predictProbaRow` on a row already in schema order, no allocation) and the
 * frame API (`predictProba` of the whole pipeline on a one-row frame, encoding included).
 */
import {
  type FittedClassifier,
  type FittedPipeline,
  type Frame,
  rowMajorFeatures,
  TreeClassifierModel,
  takeRows,
} from "@gyre/ml";

export interface Batch1 {
  /** Median seconds per one-row predictProbaRow. */
  readonly row_s: number;
  /** Median seconds per pipeline.predictProba on a one-row frame. */
  readonly frame_s: number;
  readonly rows: number;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function batch1Latency(pipeline: FittedPipeline<FittedClassifier>, test: Frame, rows = 2000): Batch1 {
  const model = pipeline.model;
  if (!(model instanceof TreeClassifierModel)) throw new Error("batch-1 latency is measured on tree models");
  const n = Math.min(rows, test.nRows);
  const picked = Uint32Array.from({ length: n }, (_, i) => i);
  const encoded = pipeline.transform(takeRows(test, picked));
  const schema = model.treeEnsemble().schema;
  const x = rowMajorFeatures(schema, encoded);
  const d = schema.length;
  const out = new Float64Array(model.classes.length);
  // Warm-up: let the JIT compile the traversal before timing it.
  for (let i = 0; i < n; i++) model.predictProbaRow(x.subarray(i * d, (i + 1) * d), out);
  const rowTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    const start = process.hrtime.bigint();
    model.predictProbaRow(row, out);
    rowTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const frames = Array.from({ length: Math.min(n, 500) }, (_, i) => takeRows(test, Uint32Array.of(i)));
  for (const frame of frames.slice(0, 50)) pipeline.predictProba(frame);
  const frameTimes = frames.map((frame) => {
    const start = process.hrtime.bigint();
    pipeline.predictProba(frame);
    return Number(process.hrtime.bigint() - start) / 1e9;
  });
  return { row_s: median(rowTimes), frame_s: median(frameTimes), rows: n };
}
