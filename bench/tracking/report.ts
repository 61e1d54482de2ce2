import type { BackendName } from "./backends.js";
import { round, type Spread, sig3 } from "./stats.js";
import type { TransportName } from "./transport.js";

/** The five headline figures, each compared with MLflow and with issue 2's target. */
export type Headline =
  | "runs_per_s"
  | "points_per_s"
  | "history_100k_ms"
  | "search_filtered_ms"
  | "search_unfiltered_1000_ms";

type Direction = "higher" | "lower";
const BETTER: Record<Headline, Direction> = {
  runs_per_s: "higher",
  points_per_s: "higher",
  history_100k_ms: "lower",
  search_filtered_ms: "lower",
  search_unfiltered_1000_ms: "lower",
};

/**
 * MLflow 2.16 (2.16.3.dev0, SQLite, 4 gunicorn workers) on this machine, medians of 7 runs:
 * spec mlflow-rest.md §0/§9.4 (points/s and history are the §0 roundings of 8,224 and 4,501).
 */
export const MLFLOW_2_16: Record<Headline, number> = {
  runs_per_s: 19.5,
  points_per_s: 8_200,
  history_100k_ms: 4_500,
  search_filtered_ms: 110,
  search_unfiltered_1000_ms: 1_045,
};

/** MLflow's server CPU per operation (§9.4, 3 metered runs): less load-sensitive than wall time. */
export const MLFLOW_2_16_SERVER_CPU = { run_ms: 23.6, point_written_us: 84, history_100k_ms: 4_080 };

/** Issue 2's targets for the same workload. */
export const TARGETS: Record<Headline, number> = {
  runs_per_s: 400,
  points_per_s: 400_000,
  history_100k_ms: 200,
  search_filtered_ms: 10,
  search_unfiltered_1000_ms: 50,
};

/** Per-request averages, milliseconds. */
export interface Split {
  wall_ms: number;
  server_cpu_ms: number;
  client_cpu_ms: number;
}

/** CPU per operation, split between the server child and the client (this process). */
export interface CpuSplit {
  server: number;
  client: number;
}

/** What one Gyre run of the workload measures. */
export interface GyreFigures extends Record<Headline, number> {
  requests_per_s: number;
  search_filtered_hits: number;
  /** Phase (a), per request. */
  a_request: Split;
  latency_ms: {
    runs_create: Spread;
    runs_log_batch_15: Spread;
    runs_update: Spread;
    runs_log_batch_1000_points: Spread;
  };
  /** Server CPU is the Gyre process only: a PostgreSQL server's own CPU is not included. */
  cpu: {
    run_ms: CpuSplit;
    point_written_us: CpuSplit;
    history_100k_ms: CpuSplit;
    search_filtered_ms: CpuSplit;
    search_unfiltered_1000_ms: CpuSplit;
  };
  response_bytes: { history_100k: number; search_filtered: number; search_unfiltered_1000: number };
}

export interface Figures extends GyreFigures {
  floor_requests_per_s: number;
  floor_request: Split;
  /** 1-minute load average before the benchmark started: the neighbours' load, not ours. */
  loadavg_1m_before: number;
  client: TransportName;
  /** Node flags given to the server child; empty as `gyre server` runs. */
  server_flags: readonly string[];
}

function mapHeadlines<T>(fn: (key: Headline) => T): Record<Headline, T> {
  const keys = Object.keys(BETTER) as Headline[];
  return Object.fromEntries(keys.map((key) => [key, fn(key)])) as Record<Headline, T>;
}

/** Printed precision; speedups and verdicts use the printed values so the line agrees with itself. */
function headlines(f: Figures): Record<Headline, number> {
  return {
    runs_per_s: sig3(f.runs_per_s),
    points_per_s: Math.round(f.points_per_s),
    history_100k_ms: round(f.history_100k_ms, 1),
    search_filtered_ms: round(f.search_filtered_ms, 2),
    search_unfiltered_1000_ms: round(f.search_unfiltered_1000_ms, 1),
  };
}

/** >1 means Gyre is faster, whichever way the figure points. */
function speedup(key: Headline, gyre: number): number {
  const mlflow = MLFLOW_2_16[key];
  return sig3(BETTER[key] === "higher" ? gyre / mlflow : mlflow / gyre);
}

function meets(key: Headline, value: number): boolean {
  return BETTER[key] === "higher" ? value >= TARGETS[key] : value <= TARGETS[key];
}

/** The one JSON line printed for a backend: headline figures first, then what explains them. */
export function reportLine(backend: BackendName, f: Figures): Record<string, unknown> {
  const h = headlines(f);
  return {
    bench: "tracking",
    backend,
    runs_per_s: h.runs_per_s,
    points_per_s: h.points_per_s,
    history_100k_ms: h.history_100k_ms,
    search_filtered_ms: h.search_filtered_ms,
    search_filtered_hits: f.search_filtered_hits,
    search_unfiltered_1000_ms: h.search_unfiltered_1000_ms,
    // Beside each headline, the Gyre server's own CPU per operation: on a shared machine wall-clock
    // figures swing with the neighbours' load, CPU per operation much less.
    server_cpu_ms_per_op: {
      run: sig3(f.cpu.run_ms.server),
      points_1000: sig3(f.cpu.point_written_us.server),
      history_100k: sig3(f.cpu.history_100k_ms.server),
      search_filtered: sig3(f.cpu.search_filtered_ms.server),
      search_unfiltered_1000: sig3(f.cpu.search_unfiltered_1000_ms.server),
    },
    requests_per_s: sig3(f.requests_per_s),
    floor_requests_per_s: sig3(f.floor_requests_per_s),
    request_rate_vs_floor: round(f.requests_per_s / f.floor_requests_per_s, 3),
    latency_ms: f.latency_ms,
    // Phase (a) next to the floor, per request: wall time not covered by either CPU is kernel
    // loopback, scheduling, and waiting on PostgreSQL.
    time_per_request_ms: { runs_loop: roundAll(f.a_request), floor: roundAll(f.floor_request) },
    cpu: mapValues(f.cpu, roundAll),
    response_bytes: f.response_bytes,
    vs_mlflow: {
      mlflow_version: "2.16.3.dev0",
      mlflow: MLFLOW_2_16,
      speedup: mapHeadlines((key) => speedup(key, h[key])),
      mlflow_server_cpu: MLFLOW_2_16_SERVER_CPU,
    },
    targets: mapHeadlines((key) => ({ [BETTER[key] === "higher" ? "min" : "max"]: TARGETS[key] })),
    meets_target: mapHeadlines((key) => meets(key, h[key])),
    client: f.client === "fetch" ? "fetch (undici)" : "node:http",
    node: process.version,
    loadavg_1m_before: round(f.loadavg_1m_before, 2),
    ...(f.server_flags.length > 0 ? { server_flags: f.server_flags } : {}),
  };
}

function roundAll<T extends object>(values: T): Record<keyof T, number> {
  return mapValues(values, (v) => sig3(Number(v)));
}

function mapValues<T extends object, U>(values: T, fn: (value: T[keyof T]) => U): Record<keyof T, U> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, fn(value as T[keyof T])]),
  ) as Record<keyof T, U>;
}

export function skippedLine(backend: BackendName, reason: string): Record<string, unknown> {
  return { bench: "tracking", backend, skipped: reason };
}
