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
    const alive = () => {
      try {
        process.kill(hangPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  }, 60_000);
});
