import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre, tracking } from "../../sdk/src/index.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { expectedBaselineReport, expectedRunsTable } from "./support/expected.js";
import { type Seeded, seedRuns } from "./support/seed.js";
import { gyreCli } from "./support/spawn-cli.js";

let server: TestServer;
let gyre: Gyre;
let seeded: Seeded;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  gyre = new Gyre({ trackingUri: server.baseUrl });
  seeded = await seedRuns(gyre, server.baseUrl);
});
afterAll(() => server.close());

/** `gyre <args> --tracking-uri <test server>`, with an empty GYRE_HOME that must stay unused. */
const remote = (...args: string[]) =>
  gyreCli([...args, "--tracking-uri", server.baseUrl], { GYRE_HOME: "/nonexistent" });

describe("gyre against a running server", () => {
  it("lists runs of an experiment as an aligned table", async () => {
    const result = await remote("runs", "list", "--experiment", "churn");
    expect(result).toEqual({ code: 0, stdout: expectedRunsTable(seeded), stderr: "" });
  });

  it("filters, orders and limits runs, and says when more match", async () => {
    const filtered = await remote(
      "runs",
      "list",
      "--experiment-id",
      seeded.experimentId,
      "--filter",
      "metrics.loss < 0.3",
    );
    expect(filtered.stdout.split("\n")[1]?.startsWith(`${seeded.tuned}  tuned`)).toBe(true);
    expect(filtered.stdout.split("\n")).toHaveLength(3);

    const ordered = await remote(
      "runs",
      "list",
      "--experiment",
      "churn",
      "--order-by",
      "run_name ASC",
      "--max-results",
      "2",
    );
    expect(ordered.stdout.split("\n").map((line) => line.slice(0, 32))).toEqual([
      "RUN ID".padEnd(32),
      seeded.baseline,
      seeded.live,
      "",
    ]);
    expect(ordered.stderr).toBe("More runs match: raise --max-results or narrow --filter.\n");
  });

  it("prints runs as MLflow JSON", async () => {
    const result = await remote("runs", "list", "--experiment", "churn", "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      runs: [
        await gyre.getRun(seeded.live),
        await gyre.getRun(seeded.tuned),
        await gyre.getRun(seeded.baseline),
      ],
    });
  });

  it("lists the runs of every active experiment when none is named", async () => {
    const other = await gyre.startRun({ experiment: "other", name: "elsewhere" });
    await other.end();
    const result = await remote("runs", "list", "--json");
    const names = (JSON.parse(result.stdout) as { runs: { info: { run_name: string } }[] }).runs.map(
      (r) => r.info.run_name,
    );
    expect(names.sort()).toEqual(["baseline", "elsewhere", "live", "tuned"]);
  });

  it("shows one run with params, latest metrics, tags, inputs and artifacts", async () => {
    const result = await remote("runs", "show", seeded.baseline);
    expect(result).toEqual({ code: 0, stdout: expectedBaselineReport(seeded), stderr: "" });
  });

  it("shows one run as JSON", async () => {
    const result = await remote("runs", "show", seeded.baseline, "--json");
    expect(JSON.parse(result.stdout)).toEqual({
      run: await gyre.getRun(seeded.baseline),
      artifacts: [
        { path: "data.bin", is_dir: false, file_size: 2048 },
        { path: "model/MLmodel", is_dir: false, file_size: 12 },
      ],
    });
  });

  it("lists and creates experiments", async () => {
    const created = await remote("experiments", "create", "fresh", "--json");
    const { experiment } = JSON.parse(created.stdout) as { experiment: { experiment_id: string } };
    expect(experiment).toEqual(
      (await gyre.client.call(tracking.getExperimentByName, { experiment_name: "fresh" })).experiment,
    );
    const listed = await remote("experiments", "list", "--json");
    expect(JSON.parse(listed.stdout)).toEqual({ experiments: await gyre.listExperiments() });

    await gyre.client.call(tracking.deleteExperiment, { experiment_id: experiment.experiment_id });
    const deleted = await remote("experiments", "list", "--view", "deleted");
    expect(deleted.stdout.split("\n")[1]?.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, "<time>")).toBe(
      `${experiment.experiment_id.padEnd(2)}  fresh  deleted  <time>  mlflow-artifacts:/${experiment.experiment_id}`,
    );
  });

  it("takes the server from GYRE_TRACKING_URI, then MLFLOW_TRACKING_URI", async () => {
    const args = ["runs", "list", "--experiment", "churn"];
    for (const variable of ["GYRE_TRACKING_URI", "MLFLOW_TRACKING_URI"]) {
      const result = await gyreCli(args, { [variable]: server.baseUrl, GYRE_HOME: "/nonexistent" });
      expect(result).toEqual({ code: 0, stdout: expectedRunsTable(seeded), stderr: "" });
    }
    const both = await gyreCli(args, {
      GYRE_TRACKING_URI: server.baseUrl,
      MLFLOW_TRACKING_URI: "http://127.0.0.1:1",
    });
    expect(both.stdout).toBe(expectedRunsTable(seeded));
  });
});

describe("gyre errors", () => {
  it("reports server errors as one line with the error code, exit code 1", async () => {
    expect(await remote("runs", "show", "0123456789abcdef0123456789abcdef")).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Run with id=0123456789abcdef0123456789abcdef not found [RESOURCE_DOES_NOT_EXIST]\n",
    });
    const duplicate = await remote("experiments", "create", "churn");
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^error: .*churn.* \[RESOURCE_ALREADY_EXISTS\]\n$/);
    expect(await remote("runs", "list", "--experiment", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Experiment 'nope' does not exist. [RESOURCE_DOES_NOT_EXIST]\n",
    });
  });

  it("reports an unreachable server without a stack trace", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const result = await gyreCli(["experiments", "list", "--tracking-uri", `http://127.0.0.1:${port}`], {});
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: Cannot reach the tracking server at http://127.0.0.1:${port}: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port} [TEMPORARILY_UNAVAILABLE]\n`,
    });
  });
});
