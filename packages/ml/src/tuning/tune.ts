/**
 * The tuning loop: ask the sampler for parameters, run the objective, record, repeat, with up to
 * `concurrency` trials in flight, a pruner watching each trial's reports, and each trial logged
 * through a `TrialLogger` when one is given.
 *
 * Deterministic for a seed at any concurrency: trial t starts only once trials 0 … t − concurrency
 * have settled, and its sampler and pruner see exactly those trials. Which of the in-flight trials
 * finish first then changes nothing (with concurrency 1 this is plain sequential search). The
 * price is that a trial does not learn from the concurrency − 1 trials started just before it.
 */
import { type GridOptions, GridSampler } from "./grid-sampler.js";
import { RandomSampler } from "./random-sampler.js";
import { type AnyParams, definedParams, type ParamsOf, type SearchSpace, validateSpace } from "./space.js";
import { type TpeOptions, TpeSampler } from "./tpe-sampler.js";
import {
  compareValues,
  type Direction,
  type Objective,
  type Pruner,
  type Sampler,
  type TrialContext,
  TrialPruned,
  type TrialRecord,
} from "./trial.js";
import type { TrialLogger, TrialRun } from "./trial-logger.js";

export interface TuneOptions<S extends SearchSpace> {
  readonly space: S;
  readonly objective: Objective<ParamsOf<S>>;
  readonly direction: Direction;
  /** Default "tpe". */
  readonly sampler?: "grid" | "random" | "tpe" | Sampler<ParamsOf<S>>;
  /** Number of trials; default the grid's size for grid search (required otherwise). */
  readonly trials?: number;
  /** Seed of the random and TPE samplers (default 42). */
  readonly seed?: number;
  readonly tpe?: Omit<TpeOptions, "seed">;
  readonly grid?: GridOptions;
  /** Trials in flight at once (default 1). */
  readonly concurrency?: number;
  readonly pruner?: Pruner;
  readonly logger?: TrialLogger;
  /** The name the objective's value is logged under (default "score"); reports log `<name>_running`. */
  readonly metricName?: string;
  /** Parameters to try first, e.g. the defaults, so the result is never worse than them. */
  readonly initialParams?: readonly ParamsOf<S>[];
  readonly onTrialEnd?: (trial: TrialRecord<ParamsOf<S>>) => void;
}

export interface TuneResult<P extends AnyParams> {
  readonly best: TrialRecord<P>;
  readonly bestParams: P;
  readonly bestValue: number;
  /** Every trial, in trial-number order. */
  readonly trials: readonly TrialRecord<P>[];
}

export async function tune<S extends SearchSpace>(options: TuneOptions<S>): Promise<TuneResult<ParamsOf<S>>> {
  type P = ParamsOf<S>;
  validateSpace(options.space);
  const { direction } = options;
  const initial = options.initialParams ?? [];
  const sampler = resolveSampler(options);
  const budget =
    options.trials ?? (sampler instanceof GridSampler ? initial.length + sampler.size : Number.NaN);
  if (!(Number.isInteger(budget) && budget > 0)) throw new Error("tune: `trials` must be a positive integer");
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));

  const records: TrialRecord<P>[] = [];
  const settled: Promise<void>[] = [];
  let fatal: { error: unknown } | undefined;
  for (let t = 0; t < budget; t++) {
    const horizon = t - concurrency;
    // Earlier horizons were awaited by earlier iterations, so this one settles all of 0 … horizon.
    if (horizon >= 0) await settled[horizon];
    if (fatal) break;
    const history = records.slice(0, horizon + 1);
    const params = t < initial.length ? initial[t]! : sampler.sample(t - initial.length, history, direction);
    if (!params) break;
    settled[t] = runTrial(options, t, params, history).then(
      (record) => {
        records[t] = record;
        options.onTrialEnd?.(record);
      },
      (error: unknown) => {
        fatal ??= { error };
      },
    );
  }
  await Promise.all(settled);
  if (fatal) throw fatal.error;

  const completed = records.filter((r) => r.status === "complete");
  if (completed.length === 0) {
    const firstError = records.find((r) => r.error)?.error;
    throw new Error(`tune: no trial completed${firstError ? ` (first error: ${firstError})` : ""}`);
  }
  const best = completed.reduce((a, b) => (compareValues(b.value!, a.value!, direction) < 0 ? b : a));
  return { best, bestParams: best.params, bestValue: best.value!, trials: records };
}

function resolveSampler<S extends SearchSpace>(options: TuneOptions<S>): Sampler<ParamsOf<S>> {
  const choice = options.sampler ?? "tpe";
  if (typeof choice !== "string") return choice;
  const seed = options.seed ?? 42;
  switch (choice) {
    case "grid":
      return new GridSampler<ParamsOf<S>>(options.space, options.grid);
    case "random":
      return new RandomSampler<ParamsOf<S>>(options.space, seed);
    case "tpe":
      return new TpeSampler<ParamsOf<S>>(options.space, { ...options.tpe, seed });
  }
}

/** One trial: logging run, reports through the pruner, and the record of how it ended. */
async function runTrial<S extends SearchSpace>(
  options: TuneOptions<S>,
  number: number,
  params: ParamsOf<S>,
  history: readonly TrialRecord<ParamsOf<S>>[],
): Promise<TrialRecord<ParamsOf<S>>> {
  const started = performance.now();
  const metric = options.metricName ?? "score";
  const run: TrialRun | undefined = options.logger
    ? await options.logger.startTrial(definedParams(params), { number })
    : undefined;
  // Logging may be asynchronous; reports are not (an objective should not await its bookkeeping).
  const pending: Promise<void>[] = [];
  const log = (metrics: Record<string, number>, step?: number) => {
    const sent = run?.logMetrics(metrics, step === undefined ? {} : { step });
    if (sent) pending.push(sent);
  };
  const intermediate: number[] = [];
  const context: TrialContext = {
    number,
    report(step, value) {
      intermediate[step] = value;
      log({ [`${metric}_running`]: value }, step);
      if (options.pruner?.shouldPrune(step, value, history, options.direction))
        throw new TrialPruned(step, value);
    },
    log: (metrics, step) => log({ ...metrics }, step),
  };
  const finish = async (status: "FINISHED" | "KILLED" | "FAILED") => {
    await Promise.all(pending);
    await run?.end(status);
  };
  const base = { number, params, intermediate };
  try {
    const value = await options.objective(params, context);
    if (!Number.isFinite(value)) throw new Error(`the objective returned ${value}`);
    log({ [metric]: value });
    await finish("FINISHED");
    return { ...base, status: "complete", value, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    if (error instanceof TrialPruned) {
      await finish("KILLED");
      return { ...base, status: "pruned", value: error.value, seconds };
    }
    await finish("FAILED");
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, status: "failed", value: undefined, error: message, seconds };
  }
}
