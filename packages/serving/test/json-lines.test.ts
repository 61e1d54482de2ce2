import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonlDaySink } from "../src/prediction-log/jsonl-sink.js";
import { JsonLineWriter } from "../src/prediction-log/line-writer.js";
import {
  type LoggedEntry,
  type LoggedSchema,
  type PredictionRecord,
  toRecord,
} from "../src/prediction-log/record.js";
import { type PredictionSink, writeBatch } from "../src/prediction-log/sink.js";
import type { ElementType, TensorData } from "../src/runtime/dtypes.js";
import { float32Text } from "../src/runtime/float32-text.js";

/** Any float32 value, from its bits (NaN and infinities included). */
const float32 = fc.integer({ min: 0, max: 0xffffffff }).map((bits) => {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
});

describe("float32Text", () => {
  it("writes what a client sent, not the double the float32 widens to", () => {
    expect(float32Text(Math.fround(0.1))).toBe("0.1");
    expect(float32Text(Math.fround(-1.234))).toBe("-1.234");
    expect(float32Text(Math.fround(0.001))).toBe("0.001");
    expect(float32Text(Math.fround(123456.7))).toBe("123456.7");
    expect(float32Text(Math.fround(3e7))).toBe("30000000");
    expect(float32Text(Math.fround(1 / 3))).toBe("0.33333334");
    expect(float32Text(Math.fround(16777217))).toBe("16777216");
    expect(float32Text(-0)).toBe("0");
    expect(float32Text(Number.NaN)).toBe("null");
    expect(float32Text(Number.NEGATIVE_INFINITY)).toBe("null");
    // Outside the plain range the double's own text is kept (it reads back as well).
    expect(float32Text(Math.fround(1e-7))).toBe(String(Math.fround(1e-7)));
  });

  it("reads back as the same float32, and no shorter text would", () => {
    fc.assert(
      fc.property(float32, (value) => {
        const text = float32Text(value);
        if (!Number.isFinite(value)) return text === "null";
        if (Math.fround(Number(text)) !== value) return false;
        const magnitude = Math.abs(value);
        if (magnitude < 1e-6 || magnitude >= 1e9 || value === 0) return true;
        // The shortest: toPrecision with fewer significant digits never reads back.
        const digits = text
          .replace(/^-?0\.0*/, "")
          .replace(/[-.]/g, "")
          .replace(/0+$/, "").length;
        for (let p = 1; p < digits; p++) {
          if (Math.fround(Number(value.toPrecision(p))) === value) return false;
        }
        return true;
      }),
      { numRuns: 20_000 },
    );
  });
});

const SCHEMAS: Record<"columns" | "tensors", LoggedSchema> = {
  columns: {
    kind: "columns",
    fields: [
      { name: "age", feed: 0, offset: 0 },
      { name: "income", feed: 0, offset: 1 },
      { name: 'city "name"', feed: 1, offset: 0 },
      { name: "active", feed: 2, offset: 0 },
    ],
    feeds: [{ type: "float32" }, { type: "string" }, { type: "bool" }],
  },
  tensors: {
    kind: "tensors",
    fields: [{ name: "image", feed: 0, offset: 0 }],
    feeds: [{ type: "float64" }],
  },
};

const text = fc.string({ unit: "binary", maxLength: 12 });

/** Entries of both schema kinds with every element type the writer handles. */
const entries: fc.Arbitrary<LoggedEntry> = fc
  .record({
    kind: fc.constantFrom("columns" as const, "tensors" as const),
    rows: fc.integer({ min: 0, max: 3 }),
    requestId: text,
    receivedAt: fc.double({ min: 0, max: 4.1e12, noNaN: true }),
    latencyMs: fc.double({ min: 0, max: 1e4, noNaN: true }),
    model: text,
    version: fc.option(text, { nil: undefined }),
    arm: fc.constantFrom(undefined, "primary" as const, "canary" as const, "shadow" as const),
    floats: fc.array(float32, { minLength: 12, maxLength: 12 }),
    doubles: fc.array(fc.double(), { minLength: 12, maxLength: 12 }),
    strings: fc.array(text, { minLength: 3, maxLength: 3 }),
    labels: fc.array(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), { minLength: 3, maxLength: 3 }),
    failed: fc.boolean(),
    shadow: fc.option(
      fc.record({
        primaryVersion: fc.option(text, { nil: undefined }),
        error: fc.option(text, { nil: undefined }),
      }),
      { nil: undefined },
    ),
  })
  .map((e) => {
    const schema = SCHEMAS[e.kind];
    const data: TensorData[] =
      e.kind === "columns"
        ? [
            Float32Array.from(e.floats.slice(0, e.rows * 2)),
            e.strings.slice(0, e.rows),
            Uint8Array.from({ length: e.rows }, (_, i) => i % 2),
          ]
        : [Float64Array.from(e.doubles.slice(0, e.rows * 4))];
    const rowShapes = e.kind === "columns" ? [[2], [1], [1]] : [[2, 2]];
    const outputs: { name: string; type: ElementType; shape: number[]; data: TensorData }[] = [
      { name: "label", type: "int64", shape: [e.rows], data: BigInt64Array.from(e.labels.slice(0, e.rows)) },
      {
        name: "p",
        type: "float32",
        shape: [e.rows, 2],
        data: Float32Array.from(e.floats.slice(0, e.rows * 2)),
      },
      { name: "scalar", type: "float32", shape: [], data: Float32Array.of(e.floats[11]!) },
    ];
    return {
      requestId: e.requestId,
      receivedAt: e.receivedAt,
      model: e.model,
      version: e.version,
      arm: e.arm,
      latencyMs: e.latencyMs,
      schema,
      batch: { rows: e.rows, data, rowShapes },
      prediction: e.failed ? undefined : { outputs },
      ...(e.shadow
        ? {
            shadow: {
              primaryVersion: e.shadow.primaryVersion,
              ...(e.shadow.error === undefined ? {} : { error: e.shadow.error }),
              diff: { equal: false, outputs: [{ name: "p", shape_matches: true, compared: 2, changed: 1 }] },
            },
          }
        : {}),
    };
  });

describe("JsonLineWriter", () => {
  it("writes exactly JSON.stringify of the record, a line per entry", () => {
    const writer = new JsonLineWriter();
    fc.assert(
      fc.property(fc.array(entries, { minLength: 1, maxLength: 4 }), (batch) => {
        for (const entry of batch) writer.line(entry);
        const expected = batch.map((entry) => `${JSON.stringify(toRecord(entry))}\n`).join("");
        expect(writer.take().toString("utf8")).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it("names each entry's UTC day and grows past its first buffer", () => {
    const writer = new JsonLineWriter();
    const at = Date.UTC(2026, 10, 21, 23, 59, 59, 999);
    const [entry] = fc.sample(entries, { numRuns: 1, seed: 7 });
    expect(writer.dayOf({ ...entry!, receivedAt: at })).toBe("2026-11-21");
    expect(writer.dayOf({ ...entry!, receivedAt: at + 1 })).toBe("2026-11-22");
    const big = { ...entry!, requestId: "x".repeat(3 << 20) };
    writer.line(big);
    expect(JSON.parse(writer.take().toString("utf8")).request_id).toHaveLength(3 << 20);
  });
});

describe("JsonlDaySink.writeEntries", () => {
  it("pauses every 128 entries and writes each day's lines once, equal to the records", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gyre-jsonl-pace-"));
    try {
      const sink = new JsonlDaySink(dir);
      const day = Date.UTC(2026, 10, 21, 23, 59, 0);
      const batch = fc
        .sample(entries, { numRuns: 300, seed: 11 })
        .map((entry, i) => ({ ...entry, receivedAt: day + i * 250 }));
      let pauses = 0;
      await sink.writeEntries(batch, async () => {
        pauses++;
      });
      await sink.close();
      expect(pauses).toBe(2); // after entries 128 and 256, not after the last
      const days = (await readdir(dir)).sort();
      expect(days).toEqual(["date=2026-11-21", "date=2026-11-22"]);
      const lines: string[] = [];
      for (const d of days) {
        for (const part of await readdir(path.join(dir, d))) {
          lines.push(...(await readFile(path.join(dir, d, part), "utf8")).trimEnd().split("\n"));
        }
      }
      expect(lines).toEqual(batch.map((entry) => JSON.stringify(toRecord(entry))));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("writeBatch with a pause", () => {
  it("hands a record sink chunks of 128 with a pause between, a failing chunk failing alone", async () => {
    const batch = fc.sample(entries, { numRuns: 300, seed: 5 });
    const chunks: PredictionRecord[][] = [];
    const events: string[] = [];
    const sink: PredictionSink = {
      async write(records) {
        events.push(`write ${records.length}`);
        if (chunks.length === 1) {
          chunks.push([]);
          throw new Error("disk full");
        }
        chunks.push([...records]);
      },
      async close() {},
    };
    const outcome = await writeBatch(sink, batch, async () => {
      events.push("pause");
    });
    expect(events).toEqual(["write 128", "pause", "write 128", "pause", "write 44"]);
    expect(outcome.stored).toBe(172);
    expect(outcome.failed).toBe(128);
    expect(outcome.errors.map(String)).toEqual(["Error: disk full"]);
    expect([...chunks[0]!, ...chunks[2]!]).toEqual(
      [...batch.slice(0, 128), ...batch.slice(256)].map((entry) => toRecord(entry)),
    );
  });
});
