/**
 * Tracking integration without a dependency on the SDK: the tuner talks to this interface, which
 * `@gyre/sdk`'s `Run` satisfies as it is (`logMetrics(metrics, { step })`, `end(status)`), so an
 * adapter that starts child runs is three lines:
 *
 *   const logger: TrialLogger = {
 *     startTrial: (params, trial) => parent.startChildRun({ name: `trial-${trial.number}`, params }),
 *   };
 *
 * Child runs carry mlflow.parentRunId, so the tracking UI nests each trial under the tuning run.
 */
import type { ParamValue } from "./space.js";

/** MLflow's terminal run statuses: a pruned trial was stopped (KILLED), a throwing one FAILED. */
export type TrialRunStatus = "FINISHED" | "FAILED" | "KILLED";

export interface TrialRun {
  logMetrics(metrics: Record<string, number>, options?: { step?: number }): void | Promise<void>;
  end(status: TrialRunStatus): Promise<void>;
}

export interface TrialLogger {
  /** Called as each trial starts, with its active parameters. */
  startTrial(params: Record<string, ParamValue>, trial: { readonly number: number }): Promise<TrialRun>;
}
