import { createHash } from "node:crypto";

/**
 * A metric's history as parallel typed arrays. Points are stored in chunks, one per key per
 * write, each a packed Float64Array [steps | timestamps | values]: 24 bytes a point, written as
 * one row, read without a per-point object until the response is built.
 */
export interface MetricSeries {
  readonly length: number;
  readonly steps: Float64Array;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export interface MetricPoint {
  step: number;
  timestamp: number;
  value: number;
}

const MAX_DOUBLE = 1.7976931348623157e308;

/** As MLflow's SQL store does: infinities are stored as the largest finite double; NaN stays NaN. */
export function clampToFinite(value: number): number {
  return value > MAX_DOUBLE ? MAX_DOUBLE : value < -MAX_DOUBLE ? -MAX_DOUBLE : value;
}

export function encodeChunk(points: readonly MetricPoint[]): { blob: Buffer; digest: string } {
  const n = points.length;
  const packed = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const point = points[i]!;
    packed[i] = point.step;
    packed[n + i] = point.timestamp;
    packed[2 * n + i] = clampToFinite(point.value);
  }
  const blob = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  // Identical chunks (a client retrying a batch) share a digest and are stored once.
  return { blob, digest: createHash("sha1").update(blob).digest("base64url") };
}

/** Concatenates chunks, orders points by (timestamp, step, value) and drops exact duplicates. */
export function mergeChunks(chunks: readonly { points: Uint8Array; point_count: number }[]): MetricSeries {
  let total = 0;
  for (const chunk of chunks) total += Number(chunk.point_count);
  const steps = new Float64Array(total);
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    const n = Number(chunk.point_count);
    // Copy: blobs from the driver need not be 8-byte aligned.
    const packed = new Float64Array(new Uint8Array(chunk.points).buffer, 0, 3 * n);
    steps.set(packed.subarray(0, n), offset);
    timestamps.set(packed.subarray(n, 2 * n), offset);
    values.set(packed.subarray(2 * n, 3 * n), offset);
    offset += n;
  }
  return sortAndDeduplicate({ length: total, steps, timestamps, values });
}

function comparePoints(s: MetricSeries, a: number, b: number): number {
  return (
    s.timestamps[a]! - s.timestamps[b]! ||
    s.steps[a]! - s.steps[b]! ||
    compareValues(s.values[a]!, s.values[b]!)
  );
}

/** NaN sorts after every number and equals itself, so duplicates of a NaN point collapse too. */
function compareValues(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

function sortAndDeduplicate(series: MetricSeries): MetricSeries {
  const n = series.length;
  let ordered = true;
  for (let i = 1; i < n && ordered; i++) ordered = comparePoints(series, i - 1, i) < 0;
  if (ordered) return series;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => comparePoints(series, a, b));
  const steps = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const index = order[i]!;
    if (i > 0 && comparePoints(series, order[i - 1]!, index) === 0) continue;
    steps[kept] = series.steps[index]!;
    timestamps[kept] = series.timestamps[index]!;
    values[kept] = series.values[index]!;
    kept++;
  }
  return {
    length: kept,
    steps: steps.subarray(0, kept),
    timestamps: timestamps.subarray(0, kept),
    values: values.subarray(0, kept),
  };
}
