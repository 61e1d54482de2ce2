import { dirname } from "node:path";
import { attachRun, type Gyre } from "@gyre/sdk";
import type { StepContext, StepDef } from "./definition.js";
import type { StepTask } from "./executor.js";
import { checkOutputs } from "./outputs.js";
import { runShellStep } from "./shell.js";

export interface AttemptEnvironment {
  gyre: Gyre;
  signal: AbortSignal;
  attempt: number;
  log(line: string): void;
  baseEnv: Readonly<Record<string, string | undefined>>;
}

/** One attempt of a step in this process (a function) or a child process (a shell command). */
export async function runStepAttempt(
  step: StepDef,
  task: StepTask,
  env: AttemptEnvironment,
): Promise<Record<string, unknown>> {
  if (step.type === "shell") {
    const value = await runShellStep(step, {
      task,
      attempt: env.attempt,
      signal: env.signal,
      log: env.log,
      baseEnv: env.baseEnv,
      defaultCwd: task.module ? dirname(task.module) : undefined,
    });
    return checkOutputs(step, value);
  }
  const run = await attachRun(env.gyre, task.stepRunId);
  const context: StepContext = {
    inputs: task.inputs,
    params: task.params,
    run,
    gyre: env.gyre,
    signal: env.signal,
    attempt: env.attempt,
    pipelineRunId: task.pipelineRunId,
    step: task.step,
    log: (...parts) => env.log(parts.map((p) => (typeof p === "string" ? p : formatPart(p))).join(" ")),
  };
  try {
    const value = await step.fn?.(context);
    return checkOutputs(step, value);
  } finally {
    await run.flush();
  }
}

function formatPart(part: unknown): string {
  if (part instanceof Error) return part.stack ?? part.message;
  try {
    return JSON.stringify(part) ?? String(part);
  } catch {
    return String(part);
  }
}
