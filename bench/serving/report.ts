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
  /** The design's ceiling (bare-batching-server.ts), measured after the floor. */
  bare_batching?: Figures;
  one_process: Figures;
  /** One process with the prediction log off (measured only when it is on for the others). */
  one_process_no_log?: Figures;
  workers: Figures;
  /** One process (log as configured) under open-loop load, by offered rate (requests/s). */
  paced?: Record<string, Figures>;
}

export interface Measured {
  /** Per model, one set of figures per round (scenarios interleaved within a round). */
  models: Record<"logreg" | "trees", readonly ModelFigures[]>;
  /** Absent when the run was skipped (--skip-alias). */
  alias: AliasFigures | undefined;
  workers: number;
  predictionLog: boolean;
  loadBefore: number;
  seconds: number;
  /** How the load was generated (chooseLoadGenerator's description). */
  loadGenerator: string;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const ratio = (a: number, b: number) => round2(a / b);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Field by field, the median over rounds (a single round is returned as is). */
export function medianFigures(rounds: readonly Figures[]): Figures {
  if (rounds.length === 1) return rounds[0]!;
  const m = (pick: (f: Figures) => number) => round2(median(rounds.map(pick)));
  return {
    load_generator: rounds[0]!.load_generator,
    requests_per_s: Math.round(median(rounds.map((f) => f.requests_per_s))),
    p50_ms: m((f) => f.p50_ms),
    p99_ms: m((f) => f.p99_ms),
    ...(rounds[0]!.p999_ms === undefined ? {} : { p999_ms: m((f) => f.p999_ms ?? Number.NaN) }),
    ...(rounds[0]!.offered_per_s === undefined ? {} : { offered_per_s: rounds[0]!.offered_per_s }),
    // The client's worst stall over every round, not a median: it says whether to trust the tail.
    ...(rounds[0]!.client_loop_delay_max_ms === undefined
      ? {}
      : { client_loop_delay_max_ms: Math.max(...rounds.map((f) => f.client_loop_delay_max_ms ?? 0)) }),
    server_cpu_us_per_request: m((f) => f.server_cpu_us_per_request),
    event_loop_cpu_us_per_request: m((f) => f.event_loop_cpu_us_per_request),
    cores: {
      server: m((f) => f.cores.server),
      load_generator: m((f) => f.cores.load_generator),
      other_tenants: m((f) => f.cores.other_tenants),
    },
    requests: Math.round(median(rounds.map((f) => f.requests))),
    errors: rounds.reduce((sum, f) => sum + f.errors, 0),
  };
}

const perCore = (f: Figures) => Math.round(1e6 / f.event_loop_cpu_us_per_request);

/** One model's report: median figures, and each ratio taken within a round, then its median. */
function modelReport(rounds: readonly ModelFigures[], workers: number) {
  const pick = (key: keyof ModelFigures) =>
    rounds.map((r) => r[key]).filter((f): f is Figures => f !== undefined);
  const vsFloor = rounds.map((r) => ratio(r.one_process.requests_per_s, r.floor.requests_per_s));
  const speedups = rounds.map((r) => ratio(r.workers.requests_per_s, r.one_process.requests_per_s));
  const floor = medianFigures(pick("floor"));
  const one = medianFigures(pick("one_process"));
  const noLog = pick("one_process_no_log");
  const bare = pick("bare_batching");
  const bareVsFloor = rounds
    .filter((r) => r.bare_batching)
    .map((r) => ratio(r.bare_batching!.requests_per_s, r.floor.requests_per_s));
  const rates = Object.keys(rounds[0]!.paced ?? {});
  const paced = Object.fromEntries(
    rates.map((rate) => [rate, medianFigures(rounds.map((r) => r.paced![rate]!))]),
  );
  return {
    floor,
    ...(bare.length > 0 ? { bare_batching: medianFigures(bare) } : {}),
    one_process: one,
    ...(noLog.length > 0 ? { one_process_no_prediction_log: medianFigures(noLog) } : {}),
    [`workers_${workers}`]: medianFigures(pick("workers")),
    ...(rates.length > 0 ? { one_process_paced: paced } : {}),
    rps_vs_floor: round2(median(vsFloor)),
    workers_speedup: round2(median(speedups)),
    // The same ratio for the design's ceiling: how far the floor is reachable with this model here.
    ...(bareVsFloor.length > 0 ? { bare_batching_rps_vs_floor: round2(median(bareVsFloor)) } : {}),
    ...(rounds.length > 1
      ? {
          rps_vs_floor_by_round: vsFloor,
          workers_speedup_by_round: speedups,
          ...(bareVsFloor.length > 0 ? { bare_batching_rps_vs_floor_by_round: bareVsFloor } : {}),
        }
      : {}),
    ...(noLog.length > 0
      ? { rps_no_prediction_log_vs_floor: ratio(medianFigures(noLog).requests_per_s, floor.requests_per_s) }
      : {}),
    // What one fully available core would serve at the event-loop CPU per request measured:
    // steadier than req/s when neighbours take a share of the machine.
    requests_per_core_s: { floor: perCore(floor), one_process: perCore(one) },
  };
}

/** The one JSON line: figures, the ratios the targets are about, and a verdict per target. */
export function reportLine(m: Measured): Record<string, unknown> {
  const models = {
    logreg: modelReport(m.models.logreg, m.workers),
    trees: modelReport(m.models.trees, m.workers),
  };
  const meets: Record<string, boolean> = {};
  for (const [name, f] of Object.entries(models)) {
    meets[`${name}_rps_vs_floor`] = f.rps_vs_floor >= TARGETS.rps_vs_floor_min;
    meets[`${name}_p99`] = f.one_process.p99_ms <= TARGETS.p99_ms_max;
    meets[`${name}_workers_speedup`] = f.workers_speedup >= TARGETS.workers_speedup_min;
    for (const [rate, paced] of Object.entries(f.one_process_paced ?? {})) {
      meets[`${name}_p99_at_${rate}_per_s`] = paced.p99_ms <= TARGETS.p99_ms_max;
    }
  }
  if (m.alias) {
    meets.alias_moves_zero_errors =
      m.alias.errors <= TARGETS.alias_move_errors_max &&
      m.alias.requests >= 100_000 &&
      m.alias.swaps_completed >= 10;
  }
  return {
    bench: "serving",
    connections: 50,
    seconds: m.seconds,
    rounds: m.models.logreg.length,
    distinct_bodies: 1000,
    ...models,
    ...(m.alias ? { alias_moves: m.alias } : {}),
    targets: {
      rps_vs_floor: { min: TARGETS.rps_vs_floor_min },
      p99_ms: { max: TARGETS.p99_ms_max },
      workers_speedup: { min: TARGETS.workers_speedup_min },
      alias_move_errors: { max: TARGETS.alias_move_errors_max, requests: 100_000, moves: 10 },
    },
    meets_target: meets,
    prediction_log: m.predictionLog ? "on (JSONL, written by a worker thread)" : "off",
    load_generator: m.loadGenerator,
    node: process.version,
    loadavg_1m_before: Math.round(m.loadBefore * 100) / 100,
  };
}
