import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGyre } from "../../server/src/index.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { writeModelDir } from "../../serving/src/index.js";
import { onnx } from "../../serving/test/support/models.js";
import { expectedProbability, versionGraph } from "../../serving/test/support/versions.js";
import { gyreCli, spawnGyre } from "./support/spawn-cli.js";

const ZERO_ROW = new Array(20).fill(0);
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gyre-cli-serve-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A model directory for a "version" of the logistic model (bias version − 1), or a broken one. */
async function modelFiles(version: string, broken = false): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(join(tmpdir(), "gyre-cli-model-"));
  await writeModelDir(dir, {
    onnxBytes: broken ? new TextEncoder().encode("not onnx") : onnx(versionGraph(version)),
  });
  const files = new Map<string, Buffer>();
  for (const name of await readdir(dir)) files.set(name, await readFile(join(dir, name)));
  await rm(dir, { recursive: true, force: true });
  return files;
}

/** Uploads a model directory through the artifact proxy and registers it as a version of `name`. */
async function registerVersion(server: TestServer, name: string, version: string, broken = false) {
  for (const [file, bytes] of await modelFiles(version, broken)) {
    const response = await fetch(
      `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/models/${name}/v${version}/${file}`,
      { method: "PUT", body: bytes },
    );
    expect(response.status).toBe(200);
  }
  const created = await server.call("POST", "/api/2.0/mlflow/model-versions/create", {
    name,
    source: `mlflow-artifacts:/models/${name}/v${version}`,
  });
  expect(created.status).toBe(200);
  expect(created.body.model_version.version).toBe(version);
}

async function setAlias(server: TestServer, name: string, alias: string, version: string) {
  const answer = await server.call("POST", "/api/2.0/mlflow/registered-models/alias", {
    name,
    alias,
    version,
  });
  expect(answer.status).toBe(200);
}

/** Follows a `gyre serve` child's output; `ready` resolves with the URL it serves at. */
function watch(child: ChildProcess) {
  let stdout = "";
  let stderr = "";
  const listeners: (() => void)[] = [];
  const changed = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
    changed();
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    changed();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  cleanups.push(() => child.kill("SIGKILL"));
  /** Resolves once the output matches (stdout, then stderr), failing if the child exits first. */
  const waitFor = (pattern: RegExp, stream: "stdout" | "stderr" = "stdout", timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; stdout: ${stdout}; stderr: ${stderr}`)),
        timeoutMs,
      );
      const check = () => {
        const match = pattern.exec(stream === "stdout" ? stdout : stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      };
      listeners.push(check);
      check();
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`gyre serve exited with ${code}; stdout: ${stdout}; stderr: ${stderr}`));
      });
    });
  return { waitFor, exited, output: () => ({ stdout, stderr }) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
afterAll(() => agent.destroy());

function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      },
      (response) => {
        let answer = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          answer += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(answer) }));
      },
    );
    request.on("error", reject);
    request.end(text);
  });
}

const v2 = (row: number[] = ZERO_ROW) => ({
  inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", data: row }],
});

/** Which version's answer a V2 response for the zero row is, checked against its model_version. */
function answeredBy(answer: { status: number; body: any }): string {
  expect(answer.status).toBe(200);
  const version = answer.body.model_version as string;
  expect(answer.body.outputs[0].data[0]).toBeCloseTo(expectedProbability(version, ZERO_ROW), 6);
  return version;
}

describe("gyre serve against a registry server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(sqliteBackend);
    expect(
      (await server.call("POST", "/api/2.0/mlflow/registered-models/create", { name: "m" })).status,
    ).toBe(200);
    await registerVersion(server, "m", "1");
    await registerVersion(server, "m", "2");
    await registerVersion(server, "m", "3", true);
    await setAlias(server, "m", "champion", "1");
  });
  afterAll(() => server.close());

  it("serves models:/m@champion, hot-swaps when the alias moves with no failed request, and drains on SIGTERM", async () => {
    const home = tempDir();
    const log = join(home, "predictions");
    const child = spawnGyre(
      [
        "serve",
        "models:/m@champion",
        "--port",
        "0",
        "--tracking-uri",
        server.baseUrl,
        "--follow-alias-seconds",
        "0.1",
        "--prediction-log",
        log,
      ],
      { GYRE_HOME: home },
    );
    const serve = watch(child);
    const [, url] = await serve.waitFor(/^Serving m version 1 \(models:\/m@champion\) at (http:\/\/\S+)$/m);
    expect(serve.output().stdout).toContain("  following alias champion: polled every 0.1 s\n");
    expect(serve.output().stdout).toContain(`  registry: ${server.baseUrl}\n`);

    // MLflow's scoring route answers with version 1's probability.
    const scored = await post(`${url}/invocations`, { inputs: [ZERO_ROW] });
    expect(scored.status).toBe(200);
    expect(scored.body.predictions.probability[0][0]).toBeCloseTo(expectedProbability("1", ZERO_ROW), 6);

    // Four clients keep requesting while the alias moves 1 → 2, then to the broken 3, then back to 1.
    const answers: string[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        try {
          answers.push(answeredBy(await post(`${url}/v2/models/m/infer`, v2())));
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    try {
      await until(() => answers.length > 100);
      await setAlias(server, "m", "champion", "2");
      await serve.waitFor(/^Alias champion moved to version 2: now serving m version 2 \(was 1\)\.$/m);
      const afterFirstSwap = answers.length;
      await until(() => answers.length > afterFirstSwap + 100);

      await setAlias(server, "m", "champion", "3");
      await serve.waitFor(
        /alias champion moved to version 3, which could not be loaded: .*still serving version 2/,
        "stderr",
      );
      const afterFailure = answers.length;
      await until(() => answers.length > afterFailure + 100);
      expect(answers.slice(afterFailure)).not.toContain("3");

      await setAlias(server, "m", "champion", "1");
      await serve.waitFor(/^Alias champion moved to version 1: now serving m version 1 \(was 2\)\.$/m);
      const afterSecondSwap = answers.length;
      await until(() => answers.length > afterSecondSwap + 100);
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    // Answers switch from 1 to 2 once, and from 2 to 1 once: never back and forth.
    const switches = answers.filter((v, i) => i > 0 && v !== answers[i - 1]);
    expect(switches).toEqual(["2", "1"]);
    // The alias moved once more to the broken version; its error was reported once.
    expect(serve.output().stderr.match(/which could not be loaded/g)).toHaveLength(1);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /^gyre_serving_requests_total\{model="m",version="2",arm="primary",protocol="v2"\} \d+$/m,
    );
    expect(metrics).toContain('gyre_serving_deployment_changes_total{model="m",outcome="applied"} 3\n');
    expect(metrics).toContain('gyre_serving_deployment_changes_total{model="m",outcome="failed"} 1\n');

    child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(serve.output().stdout.endsWith("Received SIGTERM, draining and shutting down.\n")).toBe(true);

    // Every answered prediction was logged (the log flushes on shutdown), with its version.
    const days = await readdir(log);
    expect(days).toEqual([`date=${new Date().toISOString().slice(0, 10)}`]);
    const lines = (await readFile(join(log, days[0]!, "part-0.jsonl"), "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(answers.length + 1);
    const versions = new Set(lines.map((line) => (JSON.parse(line) as { version: string }).version));
    expect(versions).toEqual(new Set(["1", "2"]));
  });

  it("serves a run's artifacts by runs:/ URI and a fixed version by models:/m/2", async () => {
    const created = await server.call("POST", "/api/2.0/mlflow/runs/create", { experiment_id: "0" });
    const run = created.body.run.info as { run_id: string; artifact_uri: string };
    const root = run.artifact_uri.replace(/^mlflow-artifacts:\/*/, "");
    for (const [file, bytes] of await modelFiles("4")) {
      await fetch(`${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${root}/model/${file}`, {
        method: "PUT",
        body: bytes,
      });
    }
    const home = tempDir();
    for (const [uri, expected] of [
      [`runs:/${run.run_id}/model`, "Serving model"],
      ["models:/m/2", "Serving m version 2"],
    ] as const) {
      const child = spawnGyre(
        ["serve", uri, "--port", "0", "--tracking-uri", server.baseUrl, "--prediction-log", "off"],
        { GYRE_HOME: home },
      );
      const serve = watch(child);
      const [, url] = await serve.waitFor(/^Serving .* at (http:\/\/\S+)$/m);
      expect(serve.output().stdout.startsWith(`${expected} (${uri}) at `)).toBe(true);
      expect(serve.output().stdout).not.toContain("following alias");
      const name = uri.startsWith("runs:") ? "model" : "m";
      const answer = await post(`${url}/v2/models/${name}/infer`, v2());
      expect(answer.status).toBe(200);
      const version = uri.startsWith("runs:") ? "4" : "2";
      expect(answer.body.outputs[0].data[0]).toBeCloseTo(expectedProbability(version, ZERO_ROW), 6);
      // A run's model is unversioned.
      expect(answer.body.model_version).toBe(uri.startsWith("runs:") ? undefined : "2");
      child.kill("SIGINT");
      expect(await serve.exited).toBe(0);
    }
    // Downloaded once each into the cache under GYRE_HOME.
    expect((await readdir(join(home, "serving-cache"))).sort()).toEqual(["models", "runs"]);
    expect(await readdir(join(home, "serving-cache", "models", "m", "2"))).toEqual(
      expect.arrayContaining(["gyre-model.json", "model.onnx"]),
    );
  });

  it("swaps every worker when the alias moves, and sums their figures on /metrics, with --workers 2", async () => {
    await setAlias(server, "m", "champion", "1");
    const home = tempDir();
    const child = spawnGyre(
      [
        "serve",
        "models:/m@champion",
        "--port",
        "0",
        "--tracking-uri",
        server.baseUrl,
        "--workers",
        "2",
        "--follow-alias-seconds",
        "0.1",
        "--prediction-log",
        "off",
      ],
      { GYRE_HOME: home },
    );
    const serve = watch(child);
    const [, url] = await serve.waitFor(/^Serving m version 1 \(models:\/m@champion\) at (http:\/\/\S+)$/m);
    expect(serve.output().stdout).toContain("  workers: 2\n");
    // A new connection per request, so both workers answer some.
    const forty = async () => {
      const versions: string[] = [];
      for (let i = 0; i < 40; i++) {
        const answer = await fetch(`${url}/v2/models/m/infer`, {
          method: "POST",
          headers: { "content-type": "application/json", connection: "close" },
          body: JSON.stringify(v2()),
        });
        versions.push(answeredBy({ status: answer.status, body: await answer.json() }));
      }
      return versions;
    };
    expect(new Set(await forty())).toEqual(new Set(["1"]));
    await setAlias(server, "m", "champion", "2");
    await serve.waitFor(/^Alias champion moved to version 2: now serving m version 2 \(was 1\)\.$/m);
    expect(new Set(await forty())).toEqual(new Set(["2"]));
    await setAlias(server, "m", "champion", "1");

    for (let i = 0; i < 4; i++) {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { connection: "close" } })).text();
      for (const version of ["1", "2"]) {
        expect(metrics).toContain(
          `gyre_serving_requests_total{model="m",version="${version}",arm="primary",protocol="v2"} 40\n`,
        );
      }
      // A setting, not a sum: every worker routes all of its traffic to its one arm.
      expect(metrics).toMatch(/^gyre_serving_arm_share\{model="m",version="[12]",arm="primary"\} 1$/m);
    }
    child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  });
});

describe("gyre serve with the embedded store", () => {
  it("resolves in-process and copies the model out of the local artifact store", async () => {
    const home = tempDir();
    const gyre = await createGyre({
      backendStoreUri: `sqlite:///${home}/gyre.db`,
      artifactsDestination: join(home, "artifacts"),
      logLevel: false,
    });
    const url = await gyre.listen();
    const local = {
      baseUrl: url,
      call: async (method: string, path: string, payload: Record<string, unknown>) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(payload),
        });
        return { status: response.status, body: await response.json() };
      },
    } as unknown as TestServer;
    await local.call("POST", "/api/2.0/mlflow/registered-models/create", { name: "local" });
    await registerVersion(local, "local", "1");
    await setAlias(local, "local", "prod", "1");
    await gyre.close();

    const child = spawnGyre(["serve", "models:/local@prod", "--port", "0"], { GYRE_HOME: home });
    const serve = watch(child);
    const [, served] = await serve.waitFor(
      /^Serving local version 1 \(models:\/local@prod\) at (http:\/\/\S+)$/m,
    );
    expect(serve.output().stdout).toContain(`  registry: sqlite:///${home}/gyre.db (in-process)\n`);
    expect(serve.output().stdout).toContain(`  prediction log: ${home}/prediction-log/local\n`);
    expect(answeredBy(await post(`${served}/v2/models/local/infer`, v2()))).toBe("1");
    child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  });

  it("explains what it cannot serve", async () => {
    const home = tempDir();
    expect(await gyreCli(["serve", "s3://bucket/model"], { GYRE_HOME: home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        "error: cannot serve 's3://bucket/model': expected models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a model directory",
      ),
    });
    expect(await gyreCli(["serve", join(home, "nothing")], { GYRE_HOME: home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`error: no model directory at ${join(home, "nothing")}`),
    });
    expect(await gyreCli(["serve", "models:/ghost@prod", "--port", "0"], { GYRE_HOME: home })).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Registered model alias prod not found. [INVALID_PARAMETER_VALUE]\n",
    });
    expect(await gyreCli(["serve", home, "--workers", "0"], { GYRE_HOME: home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("error: --workers must be an integer from 1 to 256, got '0'"),
    });
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
