import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Gyre } from "../../sdk/src/index.js";
import { FIRST_RUN_HINT } from "../src/commands/demo.js";
import { spawnGyre } from "./support/spawn-cli.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gyre-cli-server-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Collects a child's output; resolves `ready` with the URL once the server says where it listens. */
function watch(child: ChildProcess) {
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes("artifacts destination:")) resolve(url);
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  cleanups.push(() => child.kill("SIGKILL"));
  return { ready, exited, output: () => ({ stdout, stderr }) };
}

describe("gyre server", () => {
  it("serves the stores it names, and closes gracefully on SIGTERM", async () => {
    const dir = tempDir();
    const store = `sqlite:///${dir}/meta/gyre.db`;
    const child = spawnGyre(
      [
        "server",
        "--port",
        "0",
        "--backend-store-uri",
        store,
        "--artifacts-destination",
        join(dir, "blobs"),
        "--log-level",
        "silent",
      ],
      {},
    );
    const server = watch(child);
    const url = await server.ready;

    expect(await (await fetch(`${url}/health`)).text()).toBe("OK");
    const gyre = new Gyre({ trackingUri: url });
    const run = await gyre.startRun({ experiment: "served" });
    await run.end();
    expect((await gyre.getRun(run.id)).info.status).toBe("FINISHED");

    child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const port = new URL(url).port;
    expect(server.output()).toEqual({
      stdout: [
        `Gyre 0.1.0 listening on http://127.0.0.1:${port}`,
        `  backend store:          ${store}`,
        `  artifacts destination:  ${join(dir, "blobs")}`,
        `  deployments:            http://127.0.0.1:${port}/serving/{name}/ (invocations, v2, v1)`,
        "Received SIGTERM, shutting down.",
        "",
      ].join("\n"),
      stderr: "",
    });
  });

  it("defaults to the embedded store in GYRE_HOME and stops on SIGINT", async () => {
    const home = tempDir();
    const child = spawnGyre(["server", "--port", "0", "--log-level", "silent"], { GYRE_HOME: home });
    const server = watch(child);
    await server.ready;
    child.kill("SIGINT");
    expect(await server.exited).toBe(0);
    expect(server.output().stdout.split("\n").slice(1)).toEqual([
      `  backend store:          sqlite:///${home}/gyre.db`,
      `  artifacts destination:  ${home}/artifacts`,
      expect.stringMatching(
        /^ {2}deployments: {12}http:\/\/127\.0\.0\.1:\d+\/serving\/\{name\}\/ \(invocations, v2, v1\)$/,
      ),
      // A fresh embedded store: the first-run hint points at the demo.
      ...FIRST_RUN_HINT.split("\n"),
      "Received SIGINT, shutting down.",
      "",
    ]);
  });
});
