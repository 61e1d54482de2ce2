import type { AliasFigures } from "./alias.js";
import type { Figures } from "./measure.js";

/** Issue 3's targets for this benchmark. */
export const TARGETS = {
  /** One process: at least the floor's req/s, and p99 within 3 ms, for both models. */
  rps_vs_floor_min: 1.0,
  p99_ms_max: 3,
  /** One process per core vs one process (the load generator shares the 2 cores). */
  workers_speedup_min: 1.3,
  alias_move_errors_max: 0,
} as const;

export interface ModelFigures {
  /** The floor, measured just before this model. */
  floor: Figures;
  one_process: Figures;
  /** One process with the prediction log off (measured only when it is on for the others). */
  one_process_no_log?: Figures;
  workers: Figures;
}

export interface Measured {
  models: Record<"logreg" | "trees", ModelFigures>;
  alias: AliasFigures;
  workers: number;
  predictionLog: boolean;
  loadBefore: number;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const perCore = (f: Figures) => Math.round(1e6 / f.server_cpu_us_per_request);

/** The one JSON line: figures, the ratios the targets are about, and a verdict per target. */
export function reportLine(m: Measured): Record<string, unknown> {
  const models = Object.fromEntries(
    Object.entries(m.models).map(([name, f]) => [
      name,
      {
        floor: f.floor,
        one_process: f.one_process,
        ...(f.one_process_no_log ? { one_process_no_prediction_log: f.one_process_no_log } : {}),
        [`workers_${m.workers}`]: f.workers,
        rps_vs_floor: ratio(f.one_process.requests_per_s, f.floor.requests_per_s),
        workers_speedup: ratio(f.workers.requests_per_s, f.one_process.requests_per_s),
        // What one fully available core would serve at the CPU per request measured: steadier
        // than req/s when neighbours take a share of the machine.
        requests_per_core_s: {
          floor: perCore(f.floor),
          one_process: perCore(f.one_process),
        },
      },
    ]),
  ) as Record<string, { rps_vs_floor: number; workers_speedup: number; one_process: Figures }>;
  const meets: Record<string, boolean> = {};
  for (const [name, f] of Object.entries(models)) {
    meets[`${name}_rps_vs_floor`] = f.rps_vs_floor >= TARGETS.rps_vs_floor_min;
    meets[`${name}_p99`] = f.one_process.p99_ms <= TARGETS.p99_ms_max;
    meets[`${name}_workers_speedup`] = f.workers_speedup >= TARGETS.workers_speedup_min;
  }
  meets.alias_moves_zero_errors =
    m.alias.errors <= TARGETS.alias_move_errors_max &&
    m.alias.requests >= 100_000 &&
    m.alias.swaps_completed >= 10;
  return {
    bench: "serving",
    connections: 50,
    seconds: 10,
    distinct_bodies: 1000,
    ...models,
    alias_moves: m.alias,
    targets: {
      rps_vs_floor: { min: TARGETS.rps_vs_floor_min },
      p99_ms: { max: TARGETS.p99_ms_max },
      workers_speedup: { min: TARGETS.workers_speedup_min },
      alias_move_errors: { max: TARGETS.alias_move_errors_max, requests: 100_000, moves: 10 },
    },
    meets_target: meets,
    prediction_log: m.predictionLog ? "on (JSONL)" : "off",
    load_generator:
      "closed-loop raw-socket HTTP/1.1 client in the benchmark process (bench/serving/loadgen.ts)",
    node: process.version,
    loadavg_1m_before: Math.round(m.loadBefore * 100) / 100,
  };
}
