import type { LabeledPrediction, OperationalRow } from "../store/prediction-store.js";

export interface Operations {
  readonly requests: number;
  readonly rows: number;
  readonly latency_p50_ms: number | null;
  readonly latency_p99_ms: number | null;
  readonly error_rate: number | null;
  readonly throughput_rps: number;
  readonly signature_violations: number;
  readonly by_version: readonly VersionOperations[];
}

/** One (version, arm)'s figures from the store, with its throughput and error rate. */
export interface VersionOperations extends OperationalRow {
  /** Logged requests per second of window. */
  readonly throughput_rps: number;
  /** errors / counted requests; null when serving counted nothing (an ingested `gyre serve` log). */
  readonly error_rate: number | null;
}

/** numpy's default (linear) percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/**
 * Operational figures of a window over the answers clients got (shadows excluded): latency
 * percentiles per request, throughput (requests per second of window), and, from serving's
 * request counts, the error rate and signature violations. Per version and arm, the store's figures.
 */
export function operationsOf(
  rows: readonly LabeledPrediction[],
  byVersion: readonly OperationalRow[],
  windowMs: number,
): Operations {
  const answered = rows.filter((r) => r.arm !== "shadow" && r.row === 0);
  const latencies = answered.map((r) => r.latency_ms).sort((a, b) => a - b);
  const served = byVersion.filter((v) => v.arm !== "shadow");
  const counted = served.reduce((sum, v) => sum + v.counted_requests, 0);
  const errors = served.reduce((sum, v) => sum + v.errors, 0);
  return {
    requests: answered.length,
    rows: rows.filter((r) => r.arm !== "shadow").length,
    latency_p50_ms: percentile(latencies, 0.5),
    latency_p99_ms: percentile(latencies, 0.99),
    error_rate: counted === 0 ? null : errors / counted,
    throughput_rps: answered.length / (windowMs / 1000),
    signature_violations: served.reduce((sum, v) => sum + v.invalid, 0),
    by_version: byVersion.map((v) => ({
      ...v,
      throughput_rps: v.requests / (windowMs / 1000),
      error_rate: v.counted_requests === 0 ? null : v.errors / v.counted_requests,
    })),
  };
}
