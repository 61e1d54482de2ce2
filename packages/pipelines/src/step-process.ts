/**
 * The child process of an isolated function step (`isolate: true`): imports the pipeline module,
 * runs one attempt of the step, writes its outputs (or its error) next to $GYRE_OUTPUTS. Log lines
 * go to stdout, which the parent turns into the step's log. This file is a process entry point:
 * the environment is its input.
 */
import { writeFile } from "node:fs/promises";
import { Gyre } from "@gyre/sdk";
import { withTimeout } from "./attempts.js";
import { errorText, StepCancelled, type StepTask } from "./executor.js";
import { loadPipelineModule } from "./module-loader.js";
import { errorFileOf } from "./shell.js";
import { runStepAttempt } from "./step-attempt.js";

const outputsFile = process.env.GYRE_OUTPUTS ?? "";
const task = JSON.parse(process.env.GYRE_STEP_TASK ?? "{}") as StepTask;
const controller = new AbortController();
process.once("SIGTERM", () => controller.abort(new StepCancelled(task.step)));
// A parent killed outright (SIGKILL of a worker or coordinator) cannot stop this process, and
// nobody is left to read its outputs: once orphaned (reparented), it ends itself.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();

try {
  const { def } = await loadPipelineModule(task.module ?? "", task.pipeline);
  const step = def.step(task.step);
  // Settles on SIGTERM even if the step ignores its signal.
  const outputs = await withTimeout(step.name, undefined, controller.signal, (signal) =>
    runStepAttempt({ ...step, isolate: false }, task, {
      gyre: new Gyre({ trackingUri: task.trackingUri }),
      signal,
      attempt: Number(process.env.GYRE_ATTEMPT ?? "1"),
      log: (line) => process.stdout.write(`${line}\n`),
      baseEnv: process.env,
    }),
  );
  await writeFile(outputsFile, JSON.stringify(outputs));
  exit(0);
} catch (error) {
  await writeFile(errorFileOf(outputsFile), errorText(error));
  exit(1);
}

/** Exits once stdout is written out: timers or sockets the step left behind must not keep it alive. */
function exit(code: number): void {
  process.stdout.write("", () => process.exit(code));
}
