import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Gyre } from "../../sdk/src/index.js";
import { expectedProbability, registerVersionOn } from "../../serving/test/support/versions.js";
import { spawnGyre } from "./support/spawn-cli.js";

const ZERO_ROW = new Array(20).fill(0);
const home = mkdtempSync(join(tmpdir(), "gyre-cli-server-workers-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The version that answered a V2 request for the zero row, checked against its probability. */
async function inferOnce(url: string, deployment: string): Promise<{ version: string }> {
  // A new connection per request, so the cluster hands requests to every worker.
  const response = await fetch(`${url}/serving/${deployment}/v2/models/${deployment}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", connection: "close" },
    body: JSON.stringify({ inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", data: ZERO_ROW }] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { model_version: string; outputs: { data: number[] }[] };
  expect(body.outputs[0]!.data[0]).toBeCloseTo(expectedProbability(body.model_version, ZERO_ROW), 6);
  return { version: body.model_version };
}

describe("gyre server --serving-workers 2", () => {
  it("serves deployments from every worker, switches them all before a change answers, and sums /metrics", async () => {
    const child = spawnGyre(
      ["server", "--port", "0", "--serving-workers", "2", "--deployments-poll-seconds", "0"],
      { GYRE_HOME: home },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready: ${stdout} ${stderr}`)), 60_000);
        child.stdout?.on("data", () => {
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match && stdout.includes("serving workers:")) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      expect(stdout).toMatch(/^ {2}serving workers: +2$/m);
      const gyre = new Gyre({ trackingUri: url, user: "ada", maxRetries: 0 });
      await gyre.client.send({
        method: "POST",
        path: "/api/2.0/mlflow/registered-models/create",
        json: { name: "m" },
      });
      for (const v of ["1", "2"]) await registerVersionOn(url, "m", v);

      // Created through one worker; every worker answers for it as soon as the call returns.
      await gyre.deployments.create("d", { arms: [{ model_uri: "models:/m/1", weight: 1 }] });
      const first = await Promise.all(Array.from({ length: 24 }, () => inferOnce(url, "d")));
      expect(new Set(first.map((a) => a.version))).toEqual(new Set(["1"]));

      await gyre.deployments.update("d", { arms: [{ model_uri: "models:/m/2", weight: 1 }] });
      const second = await Promise.all(Array.from({ length: 24 }, () => inferOnce(url, "d")));
      expect(new Set(second.map((a) => a.version))).toEqual(new Set(["2"]));

      await gyre.deployments.rollback("d");
      const third = await Promise.all(Array.from({ length: 24 }, () => inferOnce(url, "d")));
      expect(new Set(third.map((a) => a.version))).toEqual(new Set(["1"]));

      // Any worker answers /metrics with the sum over both.
      for (let i = 0; i < 4; i++) {
        const metrics = await (await fetch(`${url}/metrics`, { headers: { connection: "close" } })).text();
        expect(metrics).toContain(
          'gyre_serving_requests_total{model="d",version="1",arm="primary",protocol="v2"} 48\n',
        );
        expect(metrics).toContain(
          'gyre_serving_requests_total{model="d",version="2",arm="primary",protocol="v2"} 24\n',
        );
      }

      await gyre.deployments.delete("d");
      const gone = await fetch(`${url}/serving/d/v2/models/d/infer`, {
        method: "POST",
        headers: { connection: "close" },
      });
      expect(gone.status).toBe(404);
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
    expect(stderr).not.toContain("error:");
  });
});
