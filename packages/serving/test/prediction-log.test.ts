import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batchFromColumns,
  buildServingApp,
  DeploymentRegistry,
  JsonlDaySink,
  ModelRuntime,
  type PredictionEntry,
  PredictionLog,
  type PredictionRecord,
  type PredictionSink,
  ServingTelemetry,
} from "../src/index.js";
import { logregColumnsDir } from "./support/models.js";
import { call } from "./support/served.js";
import { deploy, expectedProbability, VersionDirs, v2Body } from "./support/versions.js";

let root: string;
let dirs: VersionDirs;
let columns: ModelRuntime;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gyre-prediction-log-"));
  dirs = await VersionDirs.create();
  columns = await ModelRuntime.load(await logregColumnsDir(path.join(root, "columns")), { name: "columns" });
});
afterAll(async () => {
  await columns.release();
  await dirs.dispose();
  await rm(root, { recursive: true, force: true });
});

async function readParts(dir: string): Promise<Map<string, PredictionRecord[]>> {
  const found = new Map<string, PredictionRecord[]>();
  for (const day of (await readdir(dir)).sort()) {
    for (const part of (await readdir(path.join(dir, day))).sort()) {
      const text = await readFile(path.join(dir, day, part), "utf8");
      expect(text.endsWith("\n")).toBe(true);
      found.set(
        `${day}/${part}`,
        text
          .trimEnd()
          .split("\n")
          .map((line) => JSON.parse(line) as PredictionRecord),
      );
    }
  }
  return found;
}

/** One entry for the column model, at a given time. */
async function columnEntry(receivedAt: number, requestId: string): Promise<PredictionEntry> {
  const batch = batchFromColumns(
    columns.schema,
    Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}`, [i / 4, 0]])),
  );
  return {
    requestId,
    receivedAt,
    model: "columns",
    version: "7",
    arm: "primary",
    latencyMs: 1.23456,
    schema: columns.schema,
    batch,
    prediction: await columns.predict(batch),
  };
}

class BlockedSink implements PredictionSink {
  readonly batches: PredictionRecord[][] = [];
  release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  fail = false;
  async write(records: readonly PredictionRecord[]): Promise<void> {
    await this.gate;
    if (this.fail) throw new Error("disk full");
    this.batches.push([...records]);
  }
  async close(): Promise<void> {}
}

describe("prediction log", () => {
  it("logs every prediction of every protocol with id, time, model, version, arm, latency, inputs and outputs", async () => {
    const dir = path.join(root, "served");
    const log = new PredictionLog(new JsonlDaySink(dir));
    const deployment = await deploy(dirs, { arms: [{ version: "2", weight: 1 }] });
    const registry = new DeploymentRegistry();
    registry.add(deployment);
    const app = await buildServingApp({ models: registry, observer: new ServingTelemetry(undefined, log) });
    const row = Array.from({ length: 20 }, (_, i) => (i % 3) / 4);
    const before = Date.now();
    const v2 = await call(app, "POST", "/v2/models/churn/infer", v2Body(row), { "x-request-id": "req-v2" });
    const mlflow = await call(
      app,
      "POST",
      "/invocations",
      { inputs: [row, row] },
      { "x-request-id": "req-mlflow" },
    );
    const v1 = await call(app, "POST", "/v1/models/churn:predict", { instances: [row] });
    const bad = await call(app, "POST", "/v2/models/churn/infer", { inputs: [] });
    expect([v2.status, mlflow.status, v1.status, bad.status]).toEqual([200, 200, 200, 400]);
    await app.close();
    await deployment.close();
    await log.close();

    expect(log.stats).toEqual({ recorded: 3, written: 3, dropped: 0, failed: 0, queued: 0 });
    const parts = await readParts(dir);
    const day = new Date().toISOString().slice(0, 10);
    expect([...parts.keys()]).toEqual([`date=${day}/part-0.jsonl`]);
    const records = parts.get(`date=${day}/part-0.jsonl`)!;
    expect(records.map((r) => r.request_id)).toEqual(["req-v2", "req-mlflow", v1.headers["x-request-id"]]);
    const first = records[0]!;
    expect(Object.keys(first)).toEqual([
      "request_id",
      "timestamp",
      "model",
      "version",
      "arm",
      "latency_ms",
      "inputs",
      "outputs",
    ]);
    expect(first).toMatchObject({ model: "churn", version: "2", arm: "primary" });
    expect(Date.parse(first.timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(first.timestamp)).toBeLessThanOrEqual(Date.now());
    expect(first.latency_ms).toBeGreaterThan(0);
    expect(first.inputs).toEqual({ input: [row] });
    const probability = (first.outputs as { probability: number[][] }).probability[0]?.[0];
    expect(probability).toBeCloseTo(expectedProbability("2", row), 6);
    expect((records[1]!.inputs as { input: number[][] }).input).toEqual([row, row]);
  });

  it("names column inputs by column, partitions by day and never shares a part file between writers", async () => {
    const dir = path.join(root, "days");
    const day1 = Date.parse("2025-03-01T23:59:59.500Z");
    const day2 = Date.parse("2025-03-02T00:00:00.250Z");
    const log = new PredictionLog(new JsonlDaySink(dir));
    log.record(await columnEntry(day1, "a"));
    log.record(await columnEntry(day2, "b"));
    await log.close();
    // A second writer (another worker, a restart) takes the next part number.
    const second = new PredictionLog(new JsonlDaySink(dir));
    second.record(await columnEntry(day2, "c"));
    await second.close();

    const parts = await readParts(dir);
    expect([...parts.keys()]).toEqual([
      "date=2025-03-01/part-0.jsonl",
      "date=2025-03-02/part-0.jsonl",
      "date=2025-03-02/part-1.jsonl",
    ]);
    const record = parts.get("date=2025-03-01/part-0.jsonl")![0]!;
    expect(record.timestamp).toBe("2025-03-01T23:59:59.500Z");
    expect(record.latency_ms).toBe(1.235);
    expect(record.inputs.x0).toEqual([0, 0]);
    expect(record.inputs.x3).toEqual([0.75, 0]);
    expect(Object.keys(record.inputs)).toHaveLength(20);
    expect((record.outputs as { probability: number[][] }).probability).toHaveLength(2);
  });

  it("drops and counts entries past a tiny queue instead of waiting for the sink", async () => {
    const sink = new BlockedSink();
    const log = new PredictionLog(sink, { capacity: 3, batchSize: 3 });
    const entry = await columnEntry(Date.now(), "x");
    for (let i = 0; i < 10; i++) log.record(entry);
    expect(log.stats).toEqual({ recorded: 10, written: 0, dropped: 7, failed: 0, queued: 3 });
    // The first write takes the queue; the next entries fit again while it is blocked.
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) log.record(entry);
    expect(log.stats).toMatchObject({ recorded: 15, dropped: 9, queued: 6 });
    sink.release();
    await log.close();
    expect(log.stats).toEqual({ recorded: 15, written: 6, dropped: 9, failed: 0, queued: 0 });
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3]);
    log.record(entry);
    expect(log.stats.dropped).toBe(10);
  });

  it("counts a failed write without retrying or throwing", async () => {
    const sink = new BlockedSink();
    sink.fail = true;
    sink.release();
    const errors: unknown[] = [];
    const log = new PredictionLog(sink, { onError: (e) => errors.push(e) });
    log.record(await columnEntry(Date.now(), "x"));
    await log.flush();
    expect(log.stats).toMatchObject({ written: 0, failed: 1 });
    expect(String(errors[0])).toBe("Error: disk full");
    await log.close();
  });
});
