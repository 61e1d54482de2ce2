import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "./support/workers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "gyre-pipelines-cli-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, GYRE_HOME: home, GYRE_TRACKING_URI: "", MLFLOW_TRACKING_URI: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<Outcome>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const gyre = (...args: string[]) => start(args).done;

// Each case starts several `gyre` processes, which take seconds apiece on a loaded two-core machine.
describe("gyre pipelines (non-TTY output)", () => {
  it("runs a TypeScript pipeline with plain progress lines, then shows, lists and prints its logs", async () => {
    const run = await gyre("pipelines", "run", fixture("demo.ts"), "--param", "n=5");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const id = /^pipeline demo (\w{32}): RUNNING$/.exec(lines[0] ?? "")?.[1] ?? "";
    expect(id).not.toBe("");
    expect(lines.slice(1, 10).map((l) => l.replace(/ in \d+(\.\d+)?m?s$/, ""))).toEqual([
      "[double] RUNNING",
      "[double] doubling 5",
      "[double] SUCCEEDED",
      "[echo] RUNNING",
      "[echo] got 10",
      "[echo] SUCCEEDED",
      "[finish] RUNNING",
      "[finish] finished with v=10",
      "[finish] SUCCEEDED",
    ]);
    expect(lines[10]).toBe(`pipeline demo ${id}: SUCCEEDED`);
    expect(lines[11]).toMatch(
      new RegExp(`^Pipeline demo SUCCEEDED: run ${id} \\(MLflow run \\w{32}\\), 3 steps\\.$`),
    );

    const show = await gyre("pipelines", "show", id);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Pipeline run {2}\w{32}\nPipeline {6}demo\nStatus {8}SUCCEEDED\n/);
    expect(show.stdout).toMatch(/\ndouble +SUCCEEDED +1 +\S+ +\w{32} +value=10\n/);
    expect(show.stdout).toMatch(/\necho +SUCCEEDED +1 +\S+ +\w{32} +text=v=10\n/);

    const logs = await gyre("pipelines", "logs", id);
    expect(logs.stdout).toBe("[double] doubling 5\n[echo] got 10\n[finish] finished with v=10\n");

    const cached = await gyre("pipelines", "run", fixture("demo.ts"), "--param", "n=5");
    expect(cached.stdout).toMatch(/\[double\] CACHED/);
    expect(cached.stdout).toMatch(/3 steps, 3 cached\./);

    const list = await gyre("pipelines", "list", "--json");
    const runs = JSON.parse(list.stdout).pipeline_runs as { id: string; status: string }[];
    expect(runs.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(runs[1]?.id).toBe(id);
  }, 120_000);

  it("exits 2 on command-line mistakes and 1 on failures, with one clear line", async () => {
    const badParam = await gyre("pipelines", "run", fixture("demo.ts"), "--param", "n=ten");
    expect(badParam.code).toBe(2);
    expect(badParam.stderr.split("\n")[0]).toBe(
      "error: Pipeline 'demo': parameter 'n' must be a number, got 'ten'.",
    );
    const noEquals = await gyre("pipelines", "run", fixture("demo.ts"), "--param", "n");
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr.split("\n")[0]).toBe("error: --param must be NAME=VALUE, got 'n'");
    const missing = await gyre("pipelines", "run", join(home, "nope.ts"));
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toBe(
      `error: Pipeline module '${join(home, "nope.ts")}' does not exist. [RESOURCE_DOES_NOT_EXIST]\n`,
    );
    const unknown = await gyre("pipelines", "show", "0123");
    expect(unknown.stderr).toBe("error: Pipeline run '0123' does not exist. [RESOURCE_DOES_NOT_EXIST]\n");

    const failing = await gyre("pipelines", "run", fixture("failing.mjs"));
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(
      /\[broken\] reading input\n\[broken\] FAILED in \S+, input file is empty\n/,
    );
    expect(failing.stdout).toMatch(/\[after\] SKIPPED needs 'broken' \(FAILED\)\n/);
    expect(failing.stderr).toMatch(
      /^error: pipeline run \w{32} FAILED: step 'broken' failed \[INVALID_STATE\]\n$/,
    );
  }, 120_000);

  it("cancels a run from another process while another follows its logs", async () => {
    const running = start(["pipelines", "run", fixture("hang.mjs")]);
    let id = "";
    for (let i = 0; i < 400 && id === ""; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const list = await gyre("pipelines", "list", "--json", "--status", "RUNNING");
      id =
        (JSON.parse(list.stdout).pipeline_runs as { id: string; name: string }[]).find(
          (r) => r.name === "hang",
        )?.id ?? "";
    }
    const follow = start(["pipelines", "logs", id, "--follow"]);
    const cancel = await gyre("pipelines", "cancel", id);
    expect(cancel).toEqual({
      code: 0,
      stdout: `Cancel requested: pipeline run ${id} stops its running steps and ends CANCELLED.\n`,
      stderr: "",
    });
    const outcome = await running.done;
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/\[hang\] aborted: step 'hang' was cancelled\n/);
    expect(outcome.stdout).toMatch(/\[hang\] CANCELLED/);
    expect(outcome.stderr).toMatch(/CANCELLED/);
    // The follower printed the lines as they came and stopped when the run ended.
    expect(await follow.done).toEqual({
      code: 0,
      stdout: "[hang] waiting\n[hang] aborted: step 'hang' was cancelled\n",
      stderr: "",
    });
    const again = await gyre("pipelines", "cancel", id);
    expect(again.stdout).toBe(`Pipeline run ${id} is cancelled.\n`);
  }, 120_000);
});
