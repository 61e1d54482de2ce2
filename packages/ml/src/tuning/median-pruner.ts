/**
 * Median pruning (Golovin et al. 2017, Google Vizier; Optuna's MedianPruner): after step i, a trial
 * stops when its reported value (for cross-validation, the running mean of the fold scores) is worse
 * than the median of the values the completed trials reported after the same step. A bad
 * configuration then costs one or two folds instead of k.
 */
import { type Direction, isBetter, type Pruner, type TrialRecord } from "./trial.js";

export interface MedianPrunerOptions {
  /** Completed trials needed before anything is pruned (default 5): the median of fewer is noise. */
  readonly startupTrials?: number;
  /** Steps always run (default 1: a trial is judged from its second fold on, not on one fold). */
  readonly warmupSteps?: number;
}

export class MedianPruner implements Pruner {
  private readonly startupTrials: number;
  private readonly warmupSteps: number;

  constructor(options: MedianPrunerOptions = {}) {
    this.startupTrials = options.startupTrials ?? 5;
    this.warmupSteps = options.warmupSteps ?? 1;
  }

  shouldPrune(step: number, value: number, history: readonly TrialRecord[], direction: Direction): boolean {
    if (step < this.warmupSteps) return false;
    const atStep: number[] = [];
    for (const t of history) {
      if (t.status === "complete" && t.intermediate.length > step) atStep.push(t.intermediate[step]!);
    }
    if (atStep.length < this.startupTrials) return false;
    return isBetter(median(atStep), value, direction);
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
