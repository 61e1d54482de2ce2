import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGyre } from "@gyre/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre, type RunRecord } from "../../sdk/src/index.js";
import { expectedBaselineReport, expectedRunsTable } from "./support/expected.js";
import { type Seeded, seedRuns } from "./support/seed.js";
import { gyreCli } from "./support/spawn-cli.js";

let home: string;
let storeUri: string;
let seeded: Seeded;
let runs: Record<string, RunRecord>;

/**
 * The store is seeded through a real listening server, which is then closed: the CLI must find
 * the same data opening the store itself, artifacts included (in $GYRE_HOME/artifacts, where
 * `gyre server` puts them by default).
 */
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "gyre-cli-"));
  storeUri = `sqlite:///${home}/store/tracking.db`;
  const server = await createGyre({
    backendStoreUri: storeUri,
    artifactsDestination: join(home, "artifacts"),
    port: 0,
    logLevel: false,
  });
  try {
    const baseUrl = await server.listen();
    const gyre = new Gyre({ trackingUri: baseUrl });
    seeded = await seedRuns(gyre, baseUrl);
    runs = Object.fromEntries(
      await Promise.all(
        [seeded.baseline, seeded.tuned, seeded.live].map(async (id) => [id, await gyre.getRun(id)]),
      ),
    );
  } finally {
    await server.close();
  }
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const inProcess = (...args: string[]) => gyreCli([...args, "--tracking-uri", storeUri], { GYRE_HOME: home });

describe("gyre on a store opened in-process", () => {
  it("lists runs as the same table a server gives", async () => {
    expect(await inProcess("runs", "list", "--experiment", "churn")).toEqual({
      code: 0,
      stdout: expectedRunsTable(seeded),
      stderr: "",
    });
  });

  it("prints the same MLflow JSON", async () => {
    const result = await inProcess("runs", "list", "--experiment-id", seeded.experimentId, "--json");
    expect(JSON.parse(result.stdout)).toEqual({
      runs: [runs[seeded.live], runs[seeded.tuned], runs[seeded.baseline]],
    });
  });

  it("shows a run with its artifacts", async () => {
    expect(await inProcess("runs", "show", seeded.baseline)).toEqual({
      code: 0,
      stdout: expectedBaselineReport(seeded),
      stderr: "",
    });
  });

  it("creates experiments that a later invocation lists", async () => {
    const created = await inProcess(
      "experiments",
      "create",
      "offline",
      "--artifact-location",
      join(home, "offline"),
    );
    expect(created).toEqual({ code: 0, stdout: "Created experiment 'offline' with id 2.\n", stderr: "" });
    const listed = JSON.parse((await inProcess("experiments", "list", "--json")).stdout) as {
      experiments: { experiment_id: string; name: string; artifact_location: string }[];
    };
    expect(listed.experiments.map((e) => [e.experiment_id, e.name, e.artifact_location])).toEqual([
      ["2", "offline", join(home, "offline")],
      ["1", "churn", "mlflow-artifacts:/1"],
      ["0", "Default", "mlflow-artifacts:/0"],
    ]);
  });

  it("takes a store URI from MLFLOW_TRACKING_URI", async () => {
    const result = await gyreCli(["runs", "list", "--experiment", "churn"], {
      MLFLOW_TRACKING_URI: storeUri,
      GYRE_HOME: home,
    });
    expect(result.stdout).toBe(expectedRunsTable(seeded));
  });

  it("uses the embedded store in GYRE_HOME when no tracking URI is given", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "gyre-cli-home-"));
    try {
      expect((await gyreCli(["experiments", "create", "local"], { GYRE_HOME: fresh })).code).toBe(0);
      expect(existsSync(join(fresh, "gyre.db"))).toBe(true);
      const listed = await gyreCli(["experiments", "list", "--json"], { GYRE_HOME: fresh });
      const names = (JSON.parse(listed.stdout) as { experiments: { name: string }[] }).experiments.map(
        (e) => e.name,
      );
      expect(names).toEqual(["local", "Default"]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("falls back to ./gyre-data in the working directory", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "gyre-cli-cwd-"));
    try {
      expect((await gyreCli(["experiments", "list"], {}, cwd)).code).toBe(0);
      expect(existsSync(join(cwd, "gyre-data", "gyre.db"))).toBe(true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("rejects a store URI it cannot open, with the store's error code", async () => {
    expect(
      await gyreCli(["experiments", "list", "--tracking-uri", "file:./mlruns"], { GYRE_HOME: home }),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: Unsupported backend store URI 'file:./mlruns': expected sqlite:///<path> or postgresql://<host>/<database> [INVALID_PARAMETER_VALUE]\n",
    });
  });
});
