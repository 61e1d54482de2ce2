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
export async function runShellStep(step: StepDef, run: ShellRun): Promise<unknown> {
  const scratch = await mkdtemp(join(tmpdir(), "gyre-step-"));
  const outputsFile = join(scratch, "outputs.json");
  try {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(run.baseEnv)) if (value !== undefined) env[key] = value;
    Object.assign(env, step.env, {
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
    const exit = await spawnLogged(step, run, env);
    if (exit !== "code 0")
      throw new GyreError("INTERNAL_ERROR", `Step '${step.name}': command exited with ${exit}.`);
    if (Object.keys(step.outputs).length === 0) return undefined;
    let text: string;
    try {
      text = await readFile(outputsFile, "utf8");
    } catch {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Step '${step.name}' declares outputs but its command wrote no JSON object to $GYRE_OUTPUTS.`,
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
function spawnLogged(step: StepDef, run: ShellRun, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", step.command ?? ""], {
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
      reject(new GyreError("INTERNAL_ERROR", `Step '${step.name}': could not start sh: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      run.signal.removeEventListener("abort", kill);
      if (killTimer) clearTimeout(killTimer);
      // The group may outlive sh; whatever it left behind goes with it.
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
