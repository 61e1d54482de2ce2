import type { OperationalFigures, OperationalRow } from "../store/prediction-store.js";

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

/**
 * Operational figures of a window over the answers clients got (shadows excluded): latency
 * percentiles per request, throughput (requests per second of window), and, from serving's
 * request counts, the error rate and signature violations. Per version and arm, the store's figures.
 * All of them come from the store's aggregates over the whole window, never from the rows an
 * evaluation reads (a sample, on a busy window).
 */
export function operationsOf(figures: OperationalFigures, windowMs: number): Operations {
  const { answered, by_version: byVersion } = figures;
  const served = byVersion.filter((v) => v.arm !== "shadow");
  const counted = served.reduce((sum, v) => sum + v.counted_requests, 0);
  const errors = served.reduce((sum, v) => sum + v.errors, 0);
  return {
    requests: answered.requests,
    rows: answered.rows,
    latency_p50_ms: answered.latency_p50_ms,
    latency_p99_ms: answered.latency_p99_ms,
    error_rate: counted === 0 ? null : errors / counted,
    throughput_rps: answered.requests / (windowMs / 1000),
    signature_violations: served.reduce((sum, v) => sum + v.invalid, 0),
    by_version: byVersion.map((v) => ({
      ...v,
      throughput_rps: v.requests / (windowMs / 1000),
      error_rate: v.counted_requests === 0 ? null : v.errors / v.counted_requests,
    })),
  };
}
