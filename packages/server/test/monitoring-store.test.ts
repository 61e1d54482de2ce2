import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParquetPredictionStore } from "../src/monitoring/store/parquet-store.js";
import { PostgresPredictionStore } from "../src/monitoring/store/postgres-store.js";
import type { PredictionRow, PredictionStore } from "../src/monitoring/store/prediction-store.js";
import { availableBackends } from "./support/backends.js";

/**
 * One conformance suite for the prediction store's backends: the embedded Parquet + DuckDB store
 * (beside the SQLite metadata backend) and the PostgreSQL store (on a scratch database).
 */
const backends = await availableBackends();

interface StoreBackend {
  store: PredictionStore;
  reopen(): PredictionStore;
  dispose(): Promise<void>;
}

async function openBackend(name: "sqlite" | "postgres"): Promise<StoreBackend> {
  if (name === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "gyre-predstore-"));
    return {
      store: new ParquetPredictionStore(dir),
      reopen: () => new ParquetPredictionStore(dir),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const scratch = await backends.find((b) => b.name === "postgres")!.create();
  return {
    store: new PostgresPredictionStore(scratch.uri),
    reopen: () => new PostgresPredictionStore(scratch.uri),
    dispose: () => scratch.dispose(),
  };
}

const DAY1 = Date.UTC(2024, 4, 1, 10, 0, 0);
const DAY2 = Date.UTC(2024, 4, 2, 10, 0, 0);
const DAY3 = Date.UTC(2024, 4, 3, 10, 0, 0);

function row(request: string, timestamp: number, fields: Partial<PredictionRow> = {}, r = 0): PredictionRow {
  return {
    request_id: request,
    row: r,
    timestamp,
    model: "churn",
    deployment: "prod",
    version: "1",
    arm: "primary",
    latency_ms: 1,
    inputs: { x: r, name: `it's ${request}` },
    outputs: { probability: [0.25, 0.75] },
    ...fields,
  };
}

describe.each(backends)("prediction store on $name", (backend) => {
  let b: StoreBackend;
  beforeAll(async () => {
    b = await openBackend(backend.name);
    await b.store.appendPredictions([
      row("a", DAY1, { latency_ms: 1 }),
      row("a", DAY1, { latency_ms: 1 }, 1),
      row("b", DAY1 + 1000, { latency_ms: 2 }),
      row("c", DAY1 + 2000, { latency_ms: 3, version: "2", arm: "canary" }),
      row("d", DAY2, { latency_ms: 10 }),
      row("e", DAY2 + 1, { model: "other", deployment: null, version: null, arm: null, latency_ms: 4 }),
    ]);
    // The shadow's copy of request "b": same request id, another version and arm.
    await b.store.appendPredictions([row("b", DAY1 + 1000, { version: "3", arm: "shadow", latency_ms: 7 })]);
    // A retried batch: its rows are kept once, with their first values.
    await b.store.appendPredictions([row("a", DAY1, { latency_ms: 99 })]);
  });
  afterAll(async () => {
    await b?.store.close();
    await b?.dispose();
  });

  it("stores rows durably and reads them back in order, with nulls and quotes intact", async () => {
    const fresh = b.reopen();
    try {
      const rows = await fresh.predictions({ model: "churn" });
      expect(rows.map((r) => `${r.request_id}/${r.row}/${r.version}/${r.arm}`)).toEqual([
        "a/0/1/primary",
        "a/1/1/primary",
        "b/0/1/primary",
        "b/0/3/shadow",
        "c/0/2/canary",
        "d/0/1/primary",
      ]);
      expect(rows[0]).toMatchObject({
        timestamp: DAY1,
        latency_ms: 1,
        deployment: "prod",
        inputs: { x: 0, name: "it's a" },
        outputs: { probability: [0.25, 0.75] },
        label: null,
        label_time: null,
      });
      const [other] = await fresh.predictions({ model: "other" });
      expect(other).toMatchObject({ request_id: "e", deployment: null, version: null, arm: null });
    } finally {
      await fresh.close();
    }
  });

  it("filters by deployment, version, arm and time window; the limit keeps the newest rows", async () => {
    const ids = async (q: Parameters<PredictionStore["predictions"]>[0]) =>
      (await b.store.predictions(q)).map((r) => `${r.request_id}/${r.row}`);
    expect(await ids({ deployment: "prod", version: "2" })).toEqual(["c/0"]);
    expect(await ids({ model: "churn", arm: "shadow" })).toEqual(["b/0"]);
    expect(await ids({ model: "churn", start: DAY1 + 1000, end: DAY2 })).toEqual(["b/0", "b/0", "c/0"]);
    expect(await ids({ start: DAY2 })).toEqual(["d/0", "e/0"]);
    expect(await ids({ model: "churn", version: "1", limit: 2 })).toEqual(["b/0", "d/0"]);
    expect(await ids({ model: "nothing" })).toEqual([]);
  });

  it("joins labels by request id and row; the last label to arrive wins", async () => {
    expect(await b.store.appendLabels([{ request_id: "a", value: 0 }], DAY2)).toBe(1);
    // Later arrival, and within one batch the later entry.
    await b.store.appendLabels(
      [
        { request_id: "a", value: 1 },
        { request_id: "a", row: 1, value: "yes" },
        { request_id: "a", row: 1, value: "no" },
        { request_id: "b", value: true },
        { request_id: "unknown", value: 5 },
      ],
      DAY2 + 5,
    );
    // A late duplicate for "b": arrival order decides, not the value.
    await b.store.appendLabels([{ request_id: "b", value: false }], DAY3);
    const rows = await b.store.predictions({ model: "churn", start: DAY1, end: DAY2 });
    expect(rows.map((r) => [r.request_id, r.row, r.arm, r.label, r.label_time])).toEqual([
      ["a", 0, "primary", 1, DAY2 + 5],
      ["a", 1, "primary", "no", DAY2 + 5],
      ["b", 0, "primary", false, DAY3],
      ["b", 0, "shadow", false, DAY3],
      ["c", 0, "canary", null, null],
    ]);
    const labeled = await b.store.predictions({ model: "churn", labeledOnly: true });
    expect(labeled.map((r) => `${r.request_id}/${r.row}/${r.arm}`)).toEqual([
      "a/0/primary",
      "a/1/primary",
      "b/0/primary",
      "b/0/shadow",
    ]);
  });

  it("reads labels that arrived from the window's first day on (both backends alike)", async () => {
    // A label for "d" (predicted on day 2) that arrived on day 1: outside a window starting on day 2.
    await b.store.appendLabels([{ request_id: "d", value: 7 }], DAY1 + 5);
    const inWindow = await b.store.predictions({ model: "churn", start: DAY2 });
    expect(inWindow.map((r) => [r.request_id, r.label])).toEqual([["d", null]]);
    expect(await b.store.predictions({ model: "churn", start: DAY2, labeledOnly: true })).toEqual([]);
    const whole = await b.store.predictions({ model: "churn", version: "1", start: DAY1 });
    expect(whole.find((r) => r.request_id === "d")?.label).toBe(7);
  });

  it("reports latency percentiles per version and arm, with request counts merged in", async () => {
    await b.store.appendRequestCounts([
      {
        minute: DAY1,
        model: "churn",
        deployment: "prod",
        version: "1",
        arm: "primary",
        requests: 3,
        errors: 1,
        invalid: 1,
      },
      {
        minute: DAY1,
        model: "churn",
        deployment: "prod",
        version: "1",
        arm: "primary",
        requests: 2,
        errors: 0,
        invalid: 0,
      },
      {
        minute: DAY1,
        model: "churn",
        deployment: "prod",
        version: "4",
        arm: "canary",
        requests: 2,
        errors: 2,
        invalid: 0,
      },
      {
        minute: DAY3,
        model: "churn",
        deployment: "prod",
        version: "1",
        arm: "primary",
        requests: 9,
        errors: 9,
        invalid: 9,
      },
    ]);
    const { by_version: rows, answered } = await b.store.operational({
      deployment: "prod",
      start: DAY1,
      end: DAY3,
    });
    // Answered (no shadow): a (1 ms, 2 rows), b (2 ms), c (3 ms), d (10 ms); numpy's linear percentiles.
    expect(answered).toEqual({
      requests: 4,
      rows: 5,
      latency_p50_ms: 2.5,
      latency_p99_ms: expect.closeTo(3 + 0.97 * 7, 12),
    });
    // Version 1 primary: requests a (1 ms, 2 rows), b (2 ms), d (10 ms).
    expect(rows).toEqual([
      {
        version: "1",
        arm: "primary",
        requests: 3,
        rows: 4,
        latency_p50_ms: 2,
        latency_p99_ms: 2 + 0.98 * 8,
        counted_requests: 5,
        errors: 1,
        invalid: 1,
      },
      expect.objectContaining({
        version: "2",
        arm: "canary",
        requests: 1,
        latency_p50_ms: 3,
        counted_requests: 0,
      }),
      expect.objectContaining({ version: "3", arm: "shadow", requests: 1, latency_p99_ms: 7 }),
      expect.objectContaining({ version: "4", arm: "canary", requests: 0, latency_p50_ms: null, errors: 2 }),
    ]);
  });

  it("samples a window larger than the limit uniformly, by the MD5 of request id and row, in time order", async () => {
    const fresh = await openBackend(backend.name);
    try {
      const rows = Array.from({ length: 60 }, (_, i) =>
        row(`s${i}`, DAY1 + i * 1000, { model: "busy" }, i % 3),
      );
      await fresh.store.appendPredictions(rows);
      // The same ranking computed here: the 12 keys with the smallest MD5, read back oldest first.
      const md5 = (text: string) => createHash("md5").update(text).digest("hex");
      const expected = rows
        .map((r) => ({
          key: md5(`${r.request_id}:${r.row}`),
          id: `${r.request_id}/${r.row}`,
          ts: r.timestamp,
        }))
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .slice(0, 12)
        .sort((a, b) => a.ts - b.ts)
        .map((r) => r.id);
      const ids = async () =>
        (await fresh.store.predictions({ model: "busy", limit: 12, sample: true })).map(
          (r) => `${r.request_id}/${r.row}`,
        );
      expect(await ids()).toEqual(expected);
      expect(await ids()).toEqual(expected);
      // Without `sample`, the newest; and a window within the limit is read whole either way.
      const newest = await fresh.store.predictions({ model: "busy", limit: 12 });
      expect(newest.map((r) => r.request_id)).toEqual(rows.slice(48).map((r) => r.request_id));
      expect(await fresh.store.predictions({ model: "busy", sample: true })).toHaveLength(60);
      // The whole window's figures are never limited.
      const { answered } = await fresh.store.operational({ model: "busy" });
      expect([answered.requests, answered.rows]).toEqual([20, 60]);
    } finally {
      await fresh.store.close();
      await fresh.dispose();
    }
  });

  it("retention removes whole days before the cutoff's day", async () => {
    const fresh = await openBackend(backend.name);
    try {
      await fresh.store.appendPredictions([row("x", DAY1), row("y", DAY2), row("z", DAY3)]);
      await fresh.store.appendLabels([{ request_id: "x", value: 1 }], DAY1 + 1);
      await fresh.store.appendLabels([{ request_id: "y", value: 1 }], DAY2 + 1);
      expect(await fresh.store.deleteDaysBefore(DAY2 + 3_600_000)).toEqual(["2024-05-01"]);
      const rows = await fresh.store.predictions({});
      expect(rows.map((r) => [r.request_id, r.label])).toEqual([
        ["y", 1],
        ["z", null],
      ]);
    } finally {
      await fresh.store.close();
      await fresh.dispose();
    }
  });
});

describe("parquet store layout", () => {
  it("one merger per day: a day claimed by another process is skipped, a stale claim taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gyre-predstore-claim-"));
    const store = new ParquetPredictionStore(dir);
    try {
      for (let i = 0; i < 20; i++) await store.appendPredictions([row(`r${i}`, DAY1 + i)]);
      const day = join(dir, "predictions", "date=2024-05-01");
      await writeFile(join(day, "_compacting"), "");
      expect(await store.compact(DAY1)).toBe(0);
      const anHourAgo = new Date(Date.now() - 2 * 3_600_000);
      await utimes(join(day, "_compacting"), anHourAgo, anHourAgo);
      expect(await store.compact(DAY1)).toBe(1);
      expect(await readdir(day)).toHaveLength(1);
      expect(await store.predictions({})).toHaveLength(20);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a read whose listed file vanished (a compaction finished meanwhile) lists again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gyre-predstore-relist-"));
    const store = new ParquetPredictionStore(dir);
    try {
      await store.appendPredictions([row("r", DAY1)]);
      const internals = store as unknown as { files: (...args: unknown[]) => Promise<string[]> };
      const files = internals.files.bind(store);
      let calls = 0;
      // The first listing names a part that is gone by the time DuckDB opens it.
      internals.files = async (...args) => {
        const listed = await files(...args);
        if (args[0] !== "predictions") return listed;
        return calls++ === 0
          ? [...listed, join(dir, "predictions", "date=2024-05-01", "part-gone.parquet")]
          : listed;
      };
      expect((await store.predictions({})).map((r) => r.request_id)).toEqual(["r"]);
      // Listed twice: the first read failed on the missing part, the second did not list it.
      expect(calls).toBe(2);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("partitions by day, and compaction merges a day's parts without changing any answer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gyre-predstore-compact-"));
    const store = new ParquetPredictionStore(dir);
    try {
      for (let i = 0; i < 20; i++) {
        await store.appendPredictions([row(`r${i}`, DAY1 + i, { latency_ms: i })]);
        await store.appendLabels([{ request_id: `r${i}`, value: i }], DAY1 + 100 + i);
      }
      // A re-sent copy of r0 (ignored) and a late label for r1 (wins).
      await store.appendPredictions([row("r0", DAY1, { latency_ms: 500 })]);
      await store.appendLabels([{ request_id: "r1", value: "late" }], DAY1 + 10_000);
      const before = await store.predictions({});
      expect(await readdir(join(dir, "predictions"))).toEqual(["date=2024-05-01"]);
      expect((await readdir(join(dir, "predictions", "date=2024-05-01"))).length).toBe(21);
      // The day being written to is compacted too: writers only ever add files.
      expect(await store.compact(DAY1)).toBe(2);
      expect(await readdir(join(dir, "predictions", "date=2024-05-01"))).toHaveLength(1);
      const after = await store.predictions({});
      expect(after).toEqual(before);
      // The merged file sorts where its oldest part did: a copy sent later still loses to the first.
      await store.appendPredictions([row("r0", DAY1, { latency_ms: 900 })]);
      expect((await store.predictions({}))[0]).toMatchObject({ request_id: "r0", latency_ms: 0 });
      expect(after[0]).toMatchObject({ request_id: "r0", latency_ms: 0, label: 0 });
      expect(after[1]).toMatchObject({ request_id: "r1", label: "late" });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("parquet store durability", () => {
  it("every batch acknowledged before a kill -9 is read back whole; the interrupted one is not half-read", async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
    const built = join(root, "packages/server/dist/monitoring/store/parquet-store.js");
    if (!existsSync(built))
      execFileSync("npx", ["tsc", "-b", "packages/server"], { cwd: root, stdio: "inherit" });
    const dir = await mkdtemp(join(tmpdir(), "gyre-predstore-kill-"));
    // A writer that appends batches of 50 rows as fast as it can and prints each acknowledged one.
    const script = `
      const { ParquetPredictionStore } = await import(${JSON.stringify(built)});
      const store = new ParquetPredictionStore(${JSON.stringify(dir)});
      for (let b = 0; ; b++) {
        const rows = Array.from({ length: 50 }, (_, r) => ({
          request_id: "b" + b, row: r, timestamp: ${DAY1} + b, model: "m", deployment: null,
          version: "1", arm: null, latency_ms: 1, inputs: { x: r }, outputs: { y: [b] },
        }));
        await store.appendPredictions(rows);
        process.stdout.write(b + "\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked = await new Promise<number>((done) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const lines = out.split("\n").filter(Boolean);
        if (lines.length >= 5) {
          child.kill("SIGKILL");
          done(Number(lines.at(-1)));
        }
      });
    });
    await new Promise((done) => child.on("exit", done));
    const store = new ParquetPredictionStore(dir);
    try {
      const rows = await store.predictions({});
      const batches = new Map<string, number>();
      for (const r of rows) batches.set(r.request_id, (batches.get(r.request_id) ?? 0) + 1);
      for (let b = 0; b <= acked; b++) expect(batches.get(`b${b}`)).toBe(50);
      // Whatever else is there is whole too: a batch is one file, renamed in after its fsync.
      expect([...batches.values()].every((n) => n === 50)).toBe(true);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
