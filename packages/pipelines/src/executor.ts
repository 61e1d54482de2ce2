import type { Gyre } from "@gyre/sdk";
import type { StepDef } from "./definition.js";

/** One step to execute: everything a process needs to run it, all of it JSON. */
export interface StepTask {
  pipeline: string;
  pipelineRunId: string;
  step: string;
  /** Absolute path of the module defining the pipeline; distributed executors need it. */
  module: string | undefined;
  inputs: Record<string, unknown>;
  params: Record<string, unknown>;
  /** http(s) URL of the tracking server the step logs to. */
  trackingUri: string;
  /** The step's child MLflow run (created by the coordinator, ended by it). */
  stepRunId: string;
  experimentId: string;
  /** A queue job already executing the step (a resumed run re-attaches to it instead of sending another). */
  jobId?: string;
}

export interface ExecuteHooks {
  /** Aborted when the pipeline is cancelled. */
  signal: AbortSignal;
  /** The coordinator's client, for executors running steps in this process. */
  gyre: Gyre;
  /** A log line of the step (executors that run steps in this process). */
  log(line: string): void;
  /** An attempt starts (1 = the first). */
  onAttempt(attempt: number): void;
  /** The queue job now executing the step, recorded so a restarted coordinator can find it. */
  onJob?(jobId: string): void;
}

/**
 * Runs steps somewhere: this process and its children (local), or worker processes fed by a
 * PostgreSQL queue. Retries, backoff and timeouts are the executor's job; the coordinator decides
 * what runs when, caches and tracks.
 */
export interface Executor {
  /** Recorded with the run: "local", "postgres". */
  readonly kind: string;
  /** true when steps log from other processes straight to the tracking server. */
  readonly remoteLogs: boolean;
  /** Resolves with the step's outputs (checked against its declaration), or rejects with its error. */
  execute(step: StepDef, task: StepTask, hooks: ExecuteHooks): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Raised for a step stopped because its pipeline was cancelled. */
export class StepCancelled extends Error {
  override readonly name = "StepCancelled";
  constructor(step: string) {
    super(`step '${step}' was cancelled`);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
