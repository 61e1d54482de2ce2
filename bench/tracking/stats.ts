/** Small statistics over latency samples (milliseconds). */

/** Nearest-rank percentile (p in (0, 100]); the spec's MLflow p50/p95 figures are read the same way. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error("percentile of an empty sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error("median of an empty sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Spread {
  p50: number;
  p95: number;
}

export function spread(samples: readonly number[]): Spread {
  return { p50: round(percentile(samples, 50), 3), p95: round(percentile(samples, 95), 3) };
}

/** Rounds to `digits` decimals; figures are measurements, so more digits would be noise. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Rounds to three significant digits (ratios and rates span several orders of magnitude). */
export function sig3(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return round(value, digits);
}
