/**
 * The benchmark's data, generated up front from a fixed seed so every run (and every backend)
 * logs the same values and the expected search result is known before the server answers.
 */

export const RUN_COUNT = 2_000;
export const PARAMS_PER_RUN = 10;
export const METRICS_PER_RUN = 5;
export const HISTORY_POINTS = 100_000;
export const HISTORY_BATCH = 1_000;
export const HISTORY_KEY = "loss";
export const SEARCH_FILTER = "metrics.m0 > 0.5 and params.p0 = 'v3'";
export const SEED = 0x9e3779b9;

/** mulberry32: tiny, fast and good enough for benchmark data; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Type aliases, not interfaces: they are assignable to the client's JSON type as they are.
export type KeyValue = { key: string; value: string };
export type MetricPoint = { key: string; value: number; timestamp: number; step: number };

export interface PlannedRun {
  params: KeyValue[];
  /** m0..m4, each uniform in [0, 1); m0 is the one the filtered search tests. */
  metricValues: number[];
}

/** p_k = v((i + k) mod 10), so p0 cycles v0..v9 and exactly a tenth of the runs have p0 = 'v3'. */
export function planRuns(count = RUN_COUNT, seed = SEED): PlannedRun[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    params: Array.from({ length: PARAMS_PER_RUN }, (_, k) => ({ key: `p${k}`, value: `v${(i + k) % 10}` })),
    metricValues: Array.from({ length: METRICS_PER_RUN }, () => random()),
  }));
}

/** Indexes of the runs the filter `metrics.m0 > 0.5 and params.p0 = 'v3'` must return (≈ 5%). */
export function expectedFilterHits(runs: readonly PlannedRun[]): number[] {
  const hits: number[] = [];
  runs.forEach((run, i) => {
    const p0 = run.params.find((p) => p.key === "p0")?.value;
    if (p0 === "v3" && run.metricValues[0]! > 0.5) hits.push(i);
  });
  return hits;
}

export function runMetrics(run: PlannedRun, timestamp: number): MetricPoint[] {
  return run.metricValues.map((value, k) => ({ key: `m${k}`, value, timestamp, step: 0 }));
}

/** One batch of the long history: steps [first, first + size), one point per step. */
export function historyBatch(random: () => number, first: number, size: number, t0: number): MetricPoint[] {
  return Array.from({ length: size }, (_, j) => ({
    key: HISTORY_KEY,
    value: random(),
    timestamp: t0 + first + j,
    step: first + j,
  }));
}
