/** Trials as the tuner records them, and the contracts samplers and pruners implement. */
import type { AnyParams } from "./space.js";

export type Direction = "maximize" | "minimize";

export type TrialStatus = "complete" | "pruned" | "failed";

export interface TrialRecord<P extends AnyParams = AnyParams> {
  readonly number: number;
  readonly params: P;
  readonly status: TrialStatus;
  /** The objective's value (complete), or the last reported value (pruned); undefined when failed. */
  readonly value: number | undefined;
  /** The values reported after each step, e.g. the running mean of the CV score after each fold. */
  readonly intermediate: readonly number[];
  readonly error?: string;
  readonly seconds: number;
}

/** Chooses the next trial's parameters from the trials settled so far. */
export interface Sampler<P extends AnyParams = AnyParams> {
  /**
   * Params for the `index`-th sampled trial (trials given explicitly come first and do not count),
   * or undefined when the sampler has nothing left (a finished grid).
   */
  sample(index: number, history: readonly TrialRecord<P>[], direction: Direction): P | undefined;
}

/** Decides whether a running trial should stop after a step. */
export interface Pruner {
  shouldPrune(step: number, value: number, history: readonly TrialRecord[], direction: Direction): boolean;
}

/** Thrown by `TrialContext.report` to stop a trial; the tuner records it as pruned. */
export class TrialPruned extends Error {
  constructor(
    readonly step: number,
    readonly value: number,
  ) {
    super(`Trial pruned after step ${step} (value ${value})`);
    this.name = "TrialPruned";
  }
}

/** What an objective sees of its trial. */
export interface TrialContext {
  readonly number: number;
  /**
   * Reports the value after `step` (0, 1, …); throws `TrialPruned` when the pruner stops the trial,
   * so an objective needs no code of its own to stop early.
   */
  report(step: number, value: number): void;
  /** Extra metrics for the trial's tracking run (e.g. the score of each fold). */
  log(metrics: Readonly<Record<string, number>>, step?: number): void;
}

export type Objective<P extends AnyParams> = (params: P, trial: TrialContext) => number | Promise<number>;

/** −1 when a is better than b, 1 when worse (for sorting best first). */
export function compareValues(a: number, b: number, direction: Direction): number {
  return direction === "maximize" ? b - a : a - b;
}

export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === "maximize" ? a > b : a < b;
}
