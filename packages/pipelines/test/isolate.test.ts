import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalExecutor, loadPipelineModule, type PipelineEvent, runPipeline } from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";

const MODULE = fileURLToPath(new URL("./fixtures/isolated.mjs", import.meta.url));
// Run from source, the executor cannot find the compiled child entry point beside itself.
const STEP_PROCESS = fileURLToPath(new URL("../dist/step-process.js", import.meta.url));

let t: PipelineTestServer;
let work: string;
beforeAll(async () => {
  t = await startPipelineServer();
  work = mkdtempSync(join(tmpdir(), "gyre-isolate-"));
});
afterAll(async () => {
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

describe("isolated function steps", () => {
  it("run in a child process, log and track from there, report errors, and are killed on cancel", async () => {
    const pidFile = join(work, "hang.pid");
    const { def, module } = await loadPipelineModule(MODULE);
    const events: PipelineEvent[] = [];
    const running = runPipeline(def, {
      trackingUri: t.uri,
      module,
      params: { pid_file: pidFile },
      executor: new LocalExecutor({ stepProcessScript: STEP_PROCESS }),
      cancelPollMs: 50,
      onEvent: (e) => events.push(e),
    });
    const brokenEnded = () =>
      events.some((e) => e.type === "step" && e.step === "broken" && e.status === "FAILED");
    for (
      let i = 0;
      i < 600 && !(existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "" && brokenEnded());
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const hangPid = Number(readFileSync(pidFile, "utf8"));
    expect(hangPid).not.toBe(process.pid);
    const started = events.find((e) => e.type === "pipeline");
    await t.store.cancelRun(started?.type === "pipeline" ? started.id : "");
    const result = await running;

    const square = result.steps.square;
    expect(square?.status).toBe("SUCCEEDED");
    expect(square?.outputs?.value).toBe(49);
    expect(square?.outputs?.pid).not.toBe(process.pid);
    const run = await t.gyre.getRun(square?.runId ?? "");
    expect(run.data.metrics).toContainEqual(expect.objectContaining({ key: "n", value: 7 }));
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "log",
        step: "square",
        line: `squaring 7 in pid ${square?.outputs?.pid}`,
      }),
    );
    expect(result.steps.broken).toMatchObject({ status: "FAILED", error: "no luck in a child either" });
    expect(result.steps.hang?.status).toBe("CANCELLED");
    expect(result.status).toBe("CANCELLED");
    // SIGTERM, then SIGKILL after a grace period: the process is gone within seconds.
    for (let i = 0; i < 200 && alive(hangPid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(hangPid)).toBe(false);
  }, 60_000);

  it("ends a step process whose parent was killed outright", async () => {
    const pidFile = join(work, "orphan.pid");
    const stepRun = await t.gyre.startRun({ experiment: "orphans" });
    const task = {
      pipeline: "isolated",
      pipelineRunId: "orphan",
      step: "hang",
      module: MODULE,
      inputs: { pidFile },
      params: {},
      trackingUri: t.uri,
      stepRunId: stepRun.id,
      experimentId: stepRun.experimentId,
    };
    // The parent is a shell that starts the step process and is then SIGKILLed, as a worker may be.
    const parent = spawn("sh", ["-c", `"${process.execPath}" "${STEP_PROCESS}" & wait`], {
      env: { ...process.env, GYRE_STEP_TASK: JSON.stringify(task), GYRE_OUTPUTS: join(work, "orphan.json") },
      stdio: "ignore",
    });
    for (let i = 0; i < 400 && !(existsSync(pidFile) && readFileSync(pidFile, "utf8") !== ""); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const stepPid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(stepPid)).toBe(true);
    parent.kill("SIGKILL");
    for (let i = 0; i < 200 && alive(stepPid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(stepPid)).toBe(false);
  }, 60_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
