import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { GyreError } from "@gyre/core";
import type { StepDef } from "./definition.js";
import type { StepTask } from "./executor.js";
import { valueText } from "./kinds.js";

/** How long a process gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

export interface ShellRun {
  task: StepTask;
  attempt: number;
  signal: AbortSignal;
  log(line: string): void;
  /** The environment the command starts from (the caller's process environment by default). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** Where a relative `cwd` or none at all resolves: the pipeline module's directory. */
  defaultCwd: string | undefined;
}

/** Environment variables naming an input: GYRE_INPUT_ plus the name upper-cased, non-alphanumerics as '_'. */
export function inputEnvName(input: string): string {
  return `GYRE_INPUT_${input.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * Runs a shell step: `sh -c command` in its own process group (so a kill reaches everything it
 * started), every output line a log line, outputs read from the JSON file $GYRE_OUTPUTS names.
 */
export function runShellStep(step: StepDef, run: ShellRun): Promise<unknown> {
  return runStepProcess(step, run, { file: "sh", args: ["-c", step.command ?? ""], what: "command" });
}

/** A program run as a step's process: `sh -c …`, or node running an isolated function step. */
export interface StepProgram {
  file: string;
  args: string[];
  /** How errors name it: "command" or "process". */
  what: string;
  env?: Record<string, string>;
}

/** The file an isolated step's process writes its error message to, beside its outputs. */
export const errorFileOf = (outputsFile: string) => `${outputsFile}.error`;

/** Runs a step's process with the step environment; resolves with its outputs (undefined when it declares none). */
export async function runStepProcess(step: StepDef, run: ShellRun, program: StepProgram): Promise<unknown> {
  const scratch = await mkdtemp(join(tmpdir(), "gyre-step-"));
  const outputsFile = join(scratch, "outputs.json");
  try {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(run.baseEnv)) if (value !== undefined) env[key] = value;
    Object.assign(env, step.env, program.env, {
      MLFLOW_TRACKING_URI: run.task.trackingUri,
      MLFLOW_RUN_ID: run.task.stepRunId,
      MLFLOW_EXPERIMENT_ID: run.task.experimentId,
      GYRE_TRACKING_URI: run.task.trackingUri,
      GYRE_PIPELINE: run.task.pipeline,
      GYRE_PIPELINE_RUN_ID: run.task.pipelineRunId,
      GYRE_STEP: run.task.step,
      GYRE_ATTEMPT: String(run.attempt),
      GYRE_INPUTS: JSON.stringify(run.task.inputs),
      GYRE_OUTPUTS: outputsFile,
    });
    for (const [name, value] of Object.entries(run.task.inputs)) env[inputEnvName(name)] = valueText(value);
    const exit = await spawnLogged(step, run, program, env);
    if (exit !== "code 0") {
      const reported = await readFile(errorFileOf(outputsFile), "utf8").catch(() => undefined);
      if (reported !== undefined) throw new Error(reported);
      throw new GyreError("INTERNAL_ERROR", `Step '${step.name}': ${program.what} exited with ${exit}.`);
    }
    if (Object.keys(step.outputs).length === 0) return undefined;
    let text: string;
    try {
      text = await readFile(outputsFile, "utf8");
    } catch {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Step '${step.name}' declares outputs but its ${program.what} wrote no JSON object to $GYRE_OUTPUTS.`,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Step '${step.name}': $GYRE_OUTPUTS does not hold JSON.`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Resolves with how the command ended: "code N" or "signal S". */
function spawnLogged(
  step: StepDef,
  run: ShellRun,
  program: StepProgram,
  env: Record<string, string>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program.file, program.args, {
      cwd: step.cwd ?? run.defaultCwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    };
    run.signal.addEventListener("abort", kill, { once: true });
    const streams = [child.stdout, child.stderr].map(
      (stream) =>
        new Promise<void>((done) => {
          const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
          lines.on("line", (line) => run.log(line));
          lines.on("close", done);
        }),
    );
    child.on("error", (error) => {
      run.signal.removeEventListener("abort", kill);
      reject(
        new GyreError(
          "INTERNAL_ERROR",
          `Step '${step.name}': could not start ${program.file}: ${error.message}`,
        ),
      );
    });
    child.on("close", (code, signal) => {
      run.signal.removeEventListener("abort", kill);
      if (killTimer) clearTimeout(killTimer);
      // The group may outlive its leader; whatever it left behind goes with it.
      if (run.signal.aborted) signalGroup(child.pid, "SIGKILL");
      void Promise.all(streams).then(() => resolve(code === null ? `signal ${signal}` : `code ${code}`));
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
