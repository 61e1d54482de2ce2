import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { GyreError } from "@gyre/core";
import { attachRun, type Gyre } from "@gyre/sdk";
import type { StepContext, StepDef } from "./definition.js";
import type { StepTask } from "./executor.js";
import { checkOutputs } from "./outputs.js";
import { runShellStep, runStepProcess } from "./shell.js";

export interface AttemptEnvironment {
  gyre: Gyre;
  signal: AbortSignal;
  attempt: number;
  log(line: string): void;
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** The compiled step-process.js isolated steps run (default: next to this module). */
  stepProcessScript?: string;
}

/** One attempt of a step in this process (a function) or a child process (a shell command). */
export async function runStepAttempt(
  step: StepDef,
  task: StepTask,
  env: AttemptEnvironment,
): Promise<Record<string, unknown>> {
  const processRun = {
    task,
    attempt: env.attempt,
    signal: env.signal,
    log: env.log,
    baseEnv: env.baseEnv,
    defaultCwd: task.module ? dirname(task.module) : undefined,
  };
  if (step.type === "shell") return checkOutputs(step, await runShellStep(step, processRun));
  if (step.isolate) {
    if (!task.module) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Step '${step.name}' is isolated: run its pipeline from a module (option 'module') so a child process can import it.`,
      );
    }
    const script = env.stepProcessScript ?? fileURLToPath(new URL("./step-process.js", import.meta.url));
    const value = await runStepProcess(step, processRun, {
      file: process.execPath,
      args: [script],
      what: "process",
      env: { GYRE_STEP_TASK: JSON.stringify(task) },
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
