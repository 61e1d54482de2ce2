import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batchFromColumns,
  JsonlDaySink,
  jsonlSinkModule,
  ModelRuntime,
  type PredictionEntry,
  PredictionLog,
  type PredictionRecord,
  ThreadedPredictionLog,
  toRecord,
} from "../src/index.js";
import { PackBuilder, unpackEntries } from "../src/prediction-log/pack.js";
import { logregColumnsDir, logregTensorDir, perColumnDir } from "./support/models.js";

let root: string;
let columns: ModelRuntime;
let perColumn: ModelRuntime;
let tensor: ModelRuntime;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gyre-threaded-log-"));
  columns = await ModelRuntime.load(await logregColumnsDir(path.join(root, "columns")), { name: "columns" });
  perColumn = await ModelRuntime.load(await perColumnDir(path.join(root, "members")), { name: "members" });
  tensor = await ModelRuntime.load(await logregTensorDir(path.join(root, "tensor")), { name: "tensor" });
});
afterAll(async () => {
  await Promise.all([columns, perColumn, tensor].map((r) => r.release()));
  await rm(root, { recursive: true, force: true });
});

const AT = Date.parse("2025-06-01T12:00:00.125Z");

/** Entries of every kind the log sees: float columns, int64/double/bool columns, a tensor, shadows. */
async function entries(): Promise<PredictionEntry[]> {
  const columnBatch = batchFromColumns(
    columns.schema,
    Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}`, [i / 4, -i, 0.1]])),
  );
  const memberBatch = batchFromColumns(perColumn.schema, {
    age: [30, 41],
    income: [1.5, Number.NaN],
    member: [true, false],
  });
  const tensorBatch = tensor.schema.allocate(2);
  (tensorBatch.data[0] as Float32Array).set(Array.from({ length: 40 }, (_, i) => i / 8));
  const base = { receivedAt: AT, latencyMs: 0.5, version: "3" as string | undefined };
  const tensorPrediction = await tensor.predict(tensorBatch);
  return [
    {
      ...base,
      requestId: "a",
      model: "columns",
      arm: "primary",
      schema: columns.schema,
      batch: columnBatch,
      prediction: await columns.predict(columnBatch),
    },
    {
      ...base,
      requestId: "b",
      model: "members",
      version: undefined,
      arm: undefined,
      schema: perColumn.schema,
      batch: memberBatch,
      prediction: await perColumn.predict(memberBatch),
    },
    {
      ...base,
      requestId: "c",
      model: "tensor",
      arm: "canary",
      schema: tensor.schema,
      batch: tensorBatch,
      prediction: tensorPrediction,
    },
    {
      ...base,
      requestId: "c",
      model: "tensor",
      version: "4",
      arm: "shadow",
      schema: tensor.schema,
      batch: tensorBatch,
      prediction: tensorPrediction,
      shadow: {
        primaryVersion: "3",
        diff: {
          equal: true,
          outputs: [{ name: "probability", shape_matches: true, compared: 2, changed: 0 }],
        },
      },
    },
    {
      ...base,
      requestId: "d-é日本",
      model: "tensor",
      version: "4",
      arm: "shadow",
      schema: tensor.schema,
      batch: tensorBatch,
      prediction: undefined,
      shadow: { primaryVersion: "3", error: "its inputs differ" },
    },
  ];
}

async function readRecords(dir: string): Promise<PredictionRecord[]> {
  const records: PredictionRecord[] = [];
  for (const day of (await readdir(dir)).sort()) {
    for (const part of (await readdir(path.join(dir, day))).sort()) {
      const text = await readFile(path.join(dir, day, part), "utf8");
      for (const line of text.trimEnd().split("\n")) records.push(JSON.parse(line) as PredictionRecord);
    }
  }
  return records;
}

describe("packed prediction-log entries", () => {
  it("unpack into the same records as the entries they came from", async () => {
    const all = await entries();
    const builder = new PackBuilder(new WeakMap());
    // 600 entries: past the builder's first buffers, which grow as needed.
    const many = Array.from({ length: 120 }, () => all).flat();
    for (const entry of many) builder.add(entry);
    // Through a structured clone with its buffers transferred, as postMessage sends it.
    const { batch, transfer } = builder.finish();
    expect(builder.count).toBe(0);
    expect(batch.bytes.byteLength).toBeGreaterThan(64 * 1024);
    const unpacked = unpackEntries(structuredClone(batch, { transfer }));
    expect(unpacked.map(toRecord)).toEqual(many.map(toRecord));
    const member = toRecord(unpacked[1]!);
    // int64, float64 (NaN is a missing value; JSON writes it as null) and bool columns, by name.
    expect(member.inputs).toEqual({ age: [30, 41], income: [1.5, Number.NaN], member: [true, false] });
    expect(member.version).toBeNull();
  });
});

describe("the off-thread prediction log", () => {
  it("writes exactly what the in-thread log writes, and counts it", async () => {
    const all = await entries();
    const threaded = new ThreadedPredictionLog(jsonlSinkModule(path.join(root, "threaded")));
    const inThread = new PredictionLog(new JsonlDaySink(path.join(root, "in-thread")));
    for (let i = 0; i < 3; i++) {
      for (const entry of all) {
        threaded.record(entry);
        inThread.record(entry);
      }
    }
    await threaded.flush();
    expect(threaded.stats).toEqual({ recorded: 15, written: 15, dropped: 0, failed: 0, queued: 0 });
    await Promise.all([threaded.close(), inThread.close()]);
    const written = await readRecords(path.join(root, "threaded"));
    expect(written).toHaveLength(15);
    expect(written).toEqual(await readRecords(path.join(root, "in-thread")));
    threaded.record(all[0]!);
    expect(threaded.stats).toMatchObject({ recorded: 16, dropped: 1 });
  });

  it("drops and counts entries past its capacity without waiting for the worker", async () => {
    const [entry] = await entries();
    const log = new ThreadedPredictionLog(jsonlSinkModule(path.join(root, "tiny")), {
      capacity: 4,
      batchSize: 4,
    });
    for (let i = 0; i < 10; i++) log.record(entry!);
    expect(log.stats).toEqual({ recorded: 10, written: 0, dropped: 6, failed: 0, queued: 4 });
    await log.close();
    expect(log.stats).toEqual({ recorded: 10, written: 4, dropped: 6, failed: 0, queued: 0 });
  });

  it("counts failed writes and a sink that cannot start, never throwing", async () => {
    const [entry] = await entries();
    const failing = path.join(root, "failing-sink.mjs");
    await writeFile(
      failing,
      `export class FullDisk { async write() { throw new Error("disk full"); } async close() {} }\n`,
    );
    const errors: unknown[] = [];
    const log = new ThreadedPredictionLog(
      { module: pathToFileURL(failing).href, export: "FullDisk" },
      { onError: (e) => errors.push(e) },
    );
    log.record(entry!);
    log.record(entry!);
    await log.flush();
    expect(log.stats).toMatchObject({ recorded: 2, written: 0, failed: 2, queued: 0 });
    expect(errors.map(String)).toEqual(["Error: disk full"]);
    await log.close();

    const missing = new ThreadedPredictionLog(
      { module: pathToFileURL(failing).href, export: "NoSuchSink" },
      { onError: (e) => errors.push(e) },
    );
    missing.record(entry!);
    await missing.flush();
    expect(missing.stats).toMatchObject({ recorded: 1, written: 0, failed: 1, queued: 0 });
    missing.record(entry!);
    expect(missing.stats.failed).toBe(2);
    expect(String(errors.at(-1))).toMatch(
      /Cannot start the prediction log's sink: .* has no export 'NoSuchSink'/,
    );
    await missing.close();
  });
});
