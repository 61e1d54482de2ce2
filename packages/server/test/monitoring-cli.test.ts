import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { JsonlDaySink } from "../../serving/src/index.js";
import type { Gyre } from "../src/index.js";
import { type ScratchStore, scratchSqliteStore, startScratchGyre } from "../src/testing/index.js";
import { gyreCli } from "./monitoring-support.js";

/** `gyre labels log` and `gyre monitor …` against a running server, and `gyre monitor ingest` in-process. */
describe("monitoring CLI", () => {
  let store: ScratchStore;
  let gyre: Gyre;
  let url: string;
  let dir: string;
  const NOW = Date.now();
  const cli = (...args: string[]) => gyreCli([...args, "--tracking-uri", url], { GYRE_HOME: dir });

  beforeAll(async () => {
    store = scratchSqliteStore("gyre-mon-cli-");
    dir = await mkdtemp(join(tmpdir(), "gyre-mon-cli-home-"));
    ({ gyre, url } = await startScratchGyre(store));
    await fetch(`${url}/api/2.0/mlflow/registered-models/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "churn" }),
    });
    // Three logged predictions of a binary classifier, predicted classes 1, 0, 1.
    await gyre.monitoring.store.appendPredictions(
      ["a", "b", "c"].map((id, i) => ({
        request_id: id,
        row: 0,
        timestamp: NOW - 1000 + i,
        model: "churn",
        deployment: null,
        version: "1",
        arm: null,
        latency_ms: 2,
        inputs: { x: i },
        outputs: { label: [i === 1 ? 0 : 1] },
      })),
    );
  });
  afterAll(async () => {
    await gyre?.close();
    await store?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("logs one label, then files (CSV and Parquet) in order: the last label of a row wins", async () => {
    const one = await cli("labels", "log", "--request-id", "a", "--value", "0");
    expect(one).toMatchObject({ code: 0, stdout: "Stored 1 label.\n" });
    await writeFile(join(dir, "labels.csv"), "request_id,value\nb,1\nc,1\nb,0\n");
    const csv = await cli("labels", "log", "--file", join(dir, "labels.csv"));
    expect(csv).toMatchObject({ code: 0, stdout: "Stored 3 labels.\n" });
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    await duck.run(
      `COPY (SELECT * FROM (VALUES ('a', 0, 1)) t(request_id, "row", label)) TO '${join(dir, "labels.parquet")}' (FORMAT parquet)`,
    );
    duck.closeSync();
    const parquet = await cli("labels", "log", "--file", join(dir, "labels.parquet"), "--json");
    expect(parquet.code).toBe(0);
    expect(JSON.parse(parquet.stdout)).toEqual({ stored: 1 });
    const rows = await gyre.monitoring.store.predictions({ model: "churn" });
    expect(rows.map((r) => [r.request_id, r.label])).toEqual([
      ["a", 1],
      ["b", 0],
      ["c", 1],
    ]);
  });

  it("refuses bad label commands with usage errors and bad files with the column's name", async () => {
    expect((await cli("labels", "log")).code).toBe(2);
    expect((await cli("labels", "log", "--request-id", "a")).code).toBe(2);
    expect((await cli("labels", "log", "--file", "x.txt")).code).toBe(2);
    await writeFile(join(dir, "bad.csv"), "id,value\na,1\n");
    const bad = await cli("labels", "log", "--file", join(dir, "bad.csv"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no 'request_id' column");
  });

  it("creates, runs, reports, lists and deletes a monitor; alerts are listed and acknowledged", async () => {
    expect((await cli("monitor", "create", "m")).code).toBe(2);
    const bad = await cli("monitor", "create", "m", "--model", "churn", "--min", "accuracy");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--min takes METRIC=NUMBER");
    const created = await cli(
      "monitor",
      "create",
      "m",
      "--model",
      "churn",
      "--window",
      "1h",
      "--min",
      "accuracy=0.9",
      "--no-drift",
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("accuracy ≥ 0.9");
    const run = await cli("monitor", "run", "m", "--window-end", String(NOW + 1000), "--json");
    expect(run.code, run.stderr).toBe(0);
    const { evaluation } = JSON.parse(run.stdout);
    // Labels 1, 0, 1 vs predictions 1, 0, 1.
    expect(evaluation).toMatchObject({ number: 1, status: "ok", values: { accuracy: 1, labeled_count: 3 } });
    const html = join(dir, "report.html");
    const report = await cli("monitor", "report", "m", "--html", html);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("Evaluation 1 of m: OK");
    expect(await readFile(html, "utf8")).toMatch(/^<!doctype html>/i);
    const list = await cli("monitor", "list");
    expect(list.stdout).toMatch(/^NAME\s+TARGET/);
    expect(list.stdout).toContain("model churn");

    const overrides = await cli(
      "monitor",
      "create",
      "m2",
      "--model",
      "churn",
      "--method",
      "x=psi",
      "--target-column",
      "y",
      "--json",
    );
    expect(JSON.parse(overrides.stdout).monitor.spec.drift).toMatchObject({
      enabled: true,
      methods: { x: "psi" },
      target_column: "y",
    });
    const badMethod = await cli("monitor", "create", "m3", "--model", "churn", "--method", "x=median");
    expect(badMethod.code).toBe(1);
    expect(badMethod.stderr).toContain("spec.drift.methods");
    // A second monitor that breaches at once fires an alert on its first evaluation.
    await cli("monitor", "create", "strict", "--model", "churn", "--max", "prediction_count=1", "--no-drift");
    const strict = await cli("monitor", "run", "strict", "--window-end", String(NOW + 1000));
    expect(strict.stdout).toContain("BREACH");
    expect(strict.stdout).toMatch(/alert #\d+ firing/);
    const alerts = await cli("monitor", "alerts", "--state", "firing", "--json");
    const [alert] = JSON.parse(alerts.stdout).alerts;
    expect(alert.monitor_name).toBe("strict");
    const ack = await cli("monitor", "ack", String(alert.id));
    expect(ack.stdout).toBe(`Acknowledged alert ${alert.id} (strict, firing).\n`);
    expect((await cli("monitor", "delete", "m")).stdout).toBe("Deleted monitor m.\n");
    // Deleting a monitor resolves its firing alert; the alert stays in the history.
    expect((await cli("monitor", "delete", "strict")).code).toBe(0);
    const after = JSON.parse((await cli("monitor", "alerts", "--monitor", "strict", "--json")).stdout).alerts;
    expect(after).toMatchObject([{ id: alert.id, state: "resolved", acknowledged_by: expect.any(String) }]);
    const gone = await cli("monitor", "show", "m");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("RESOURCE_DOES_NOT_EXIST");
  });

  it("ingests gyre serve's JSONL log in-process, once", async () => {
    const log = join(dir, "log");
    const sink = new JsonlDaySink(log);
    await sink.write([
      {
        request_id: "j1",
        timestamp: new Date(NOW).toISOString(),
        model: "served",
        version: null,
        arm: null,
        latency_ms: 1.5,
        inputs: { x: [1, 2] },
        outputs: { y: [[0.1], [0.2]] },
      },
    ]);
    await sink.close();
    const home = join(dir, "home");
    const ingest = (...args: string[]) => gyreCli(["monitor", "ingest", log, ...args], { GYRE_HOME: home });
    const first = await ingest();
    expect(first.stdout).toBe("Ingested 1 request(s), 2 row(s) from 1 file(s).\n");
    expect((await ingest("--json")).stdout).toContain('"rows": 0');
    expect(existsSync(join(home, "artifacts", "monitoring", "predictions", "predictions"))).toBe(true);
    expect((await gyreCli(["monitor", "ingest", log, "--tracking-uri", url], {})).code).toBe(2);
  });
});
