import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeKey, type OnlineRow, type OnlineStore, openOnlineStore } from "../src/index.js";
import type { RedisOnlineStore } from "../src/online/redis.js";

/**
 * ONE conformance suite for every online store backend: SQLite (a fresh file) and Redis at
 * 127.0.0.1:6379 (a random key prefix per test, deleted afterwards). With CI=true an unreachable
 * Redis fails the run; elsewhere its tests are skipped with a notice.
 */
const REDIS_URL = process.env.GYRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function redisReachable(): Promise<boolean> {
  try {
    const store = await openOnlineStore(`${REDIS_URL}?prefix=gyre_test_probe:`);
    await store.close();
    return true;
  } catch (error) {
    if (process.env.CI === "true")
      throw new Error(`CI=true but Redis is unreachable at ${REDIS_URL}: ${error}`);
    console.warn(
      `\n*** NOTICE: Redis unreachable at ${REDIS_URL}; Redis online-store tests are SKIPPED. ***\n`,
    );
    return false;
  }
}

interface Backend {
  name: string;
  open(): Promise<{ store: OnlineStore; dispose(): Promise<void> }>;
}

const dirs: string[] = [];
const backends: Backend[] = [
  {
    name: "sqlite",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "gyre-online-"));
      dirs.push(dir);
      const store = await openOnlineStore(`sqlite:///${dir}/online.db`);
      return { store, dispose: () => store.close() };
    },
  },
];
if (await redisReachable()) {
  backends.push({
    name: "redis",
    async open() {
      const prefix = `gyre_test_${process.pid}_${randomBytes(4).toString("hex")}:`;
      const store = await openOnlineStore(`${REDIS_URL}?prefix=${prefix}`);
      return {
        store,
        async dispose() {
          await (store as RedisOnlineStore).dropAll();
          await store.close();
        },
      };
    },
  });
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 4, 1);
const row = (
  key: string,
  eventTime: number,
  createdTime: number | null,
  values: OnlineRow["values"],
): OnlineRow => ({
  key,
  eventTime,
  createdTime,
  values,
});

describe.each(backends)("online store on $name", (backend) => {
  async function withStore(use: (store: OnlineStore) => Promise<void>) {
    const { store, dispose } = await backend.open();
    try {
      await use(store);
    } finally {
      await dispose();
    }
  }

  it("round-trips typed values and the event time", () =>
    withStore(async (store) => {
      const values = {
        i: 42,
        big: 9007199254740991,
        f: 0.1,
        neg: -2.5,
        s: 'naïve, "quoted"',
        b: false,
        n: null,
        ts: T0 + 123,
      };
      await store.write("v", [row(encodeKey([7]), T0, null, values)]);
      const record = (
        await store.read([{ view: "v", keys: [encodeKey([7])], features: Object.keys(values) }])
      )[0]?.[0];
      expect(record).toEqual({ eventTime: T0, values });
      expect(typeof record!.values.b).toBe("boolean");
    }));

  it("answers undefined for unknown keys and features never written; returns only what is asked", () =>
    withStore(async (store) => {
      await store.write("v", [row(encodeKey([1]), T0, null, { a: 1, b: 2 })]);
      const [records] = await store.read([
        { view: "v", keys: [encodeKey([1]), encodeKey([2])], features: ["b", "zz"] },
      ]);
      expect(records).toEqual([{ eventTime: T0, values: { b: 2, zz: undefined } }, undefined]);
      const [other] = await store.read([{ view: "w", keys: [encodeKey([1])], features: ["a"] }]);
      expect(other).toEqual([undefined]);
    }));

  it("keeps the newer row: event time first, then created time; re-writing is idempotent", () =>
    withStore(async (store) => {
      const k = encodeKey(["a"]);
      const read = async () => (await store.read([{ view: "v", keys: [k], features: ["x"] }]))[0]![0];
      await store.write("v", [row(k, T0 + 10, null, { x: 1 })]);
      await store.write("v", [row(k, T0 + 5, T0 + 99, { x: 2 })]); // older event: ignored
      expect(await read()).toEqual({ eventTime: T0 + 10, values: { x: 1 } });
      await store.write("v", [row(k, T0 + 10, T0, { x: 3 })]); // same event, a created time beats none
      expect(await read()).toEqual({ eventTime: T0 + 10, values: { x: 3 } });
      await store.write("v", [row(k, T0 + 10, T0 - 1, { x: 4 })]); // same event, older created: ignored
      expect((await read())?.values.x).toBe(3);
      await store.write("v", [row(k, T0 + 10, T0, { x: 3 })]); // the same row again
      expect(await read()).toEqual({ eventTime: T0 + 10, values: { x: 3 } });
      await store.write("v", [row(k, T0 + 11, null, { x: 5 })]); // newer event
      expect(await read()).toEqual({ eventTime: T0 + 11, values: { x: 5 } });
    }));

  it("answers reads made together each with their own rows (a store may batch them)", () =>
    withStore(async (store) => {
      const rows = Array.from({ length: 40 }, (_, i) =>
        row(encodeKey([i]), T0 + i, null, { a: i, b: -i - 1 }),
      );
      await store.write("v", rows);
      await store.write("w", rows.slice(0, 20));
      // 40 reads in one turn, each with its own views, keys (some unknown) and features.
      const asked = Array.from({ length: 40 }, (_, i) => [
        { view: "v", keys: [encodeKey([i]), encodeKey([1000 + i])], features: i % 2 ? ["a"] : ["b", "a"] },
        { view: "w", keys: [encodeKey([i])], features: ["b"] },
        { view: "v", keys: [], features: ["a"] },
      ]);
      const answers = await Promise.all(asked.map((reads) => store.read(reads)));
      answers.forEach((answer, i) => {
        const values = i % 2 ? { a: i } : { b: -i - 1, a: i };
        expect(answer).toEqual([
          [{ eventTime: T0 + i, values }, undefined],
          [i < 20 ? { eventTime: T0 + i, values: { b: -i - 1 } } : undefined],
          [],
        ]);
      });
    }));

  it("never confuses composite keys, key types or views", () =>
    withStore(async (store) => {
      await store.write("v", [
        row(encodeKey([1, "23"]), T0, null, { x: "1|23" }),
        row(encodeKey([12, "3"]), T0, null, { x: "12|3" }),
        row(encodeKey(["1"]), T0, null, { x: "string 1" }),
        row(encodeKey([1]), T0, null, { x: "int 1" }),
      ]);
      await store.write("w", [row(encodeKey([1]), T0, null, { x: "view w" })]);
      const [v, w] = await store.read([
        {
          view: "v",
          keys: [encodeKey([12, "3"]), encodeKey([1, "23"]), encodeKey([1]), encodeKey(["1"])],
          features: ["x"],
        },
        { view: "w", keys: [encodeKey([1])], features: ["x"] },
      ]);
      expect(v!.map((r) => r?.values.x)).toEqual(["12|3", "1|23", "int 1", "string 1"]);
      expect(w!.map((r) => r?.values.x)).toEqual(["view w"]);
    }));

  it("writes large batches whole and drops one view without touching another", () =>
    withStore(async (store) => {
      const rows = Array.from({ length: 1500 }, (_, i) =>
        row(encodeKey([i]), T0 + i, null, { x: i, y: `v${i}` }),
      );
      await store.write("big", rows);
      await store.write("keep", [row(encodeKey([0]), T0, null, { x: -1 })]);
      const keys = rows.map((r) => r.key);
      const [all] = await store.read([{ view: "big", keys, features: ["x", "y"] }]);
      expect(all!.map((r) => r?.values.x)).toEqual(rows.map((_, i) => i));
      expect(all![1499]).toEqual({ eventTime: T0 + 1499, values: { x: 1499, y: "v1499" } });
      await store.dropView("big");
      const [gone, kept] = await store.read([
        { view: "big", keys: keys.slice(0, 3), features: ["x"] },
        { view: "keep", keys: [encodeKey([0])], features: ["x"] },
      ]);
      expect(gone).toEqual([undefined, undefined, undefined]);
      expect(kept![0]?.values.x).toBe(-1);
    }));
});

describe("openOnlineStore", () => {
  it("refuses an unknown scheme and an unreachable Redis, naming the URI", async () => {
    await expect(openOnlineStore("mongodb://x")).rejects.toThrow(
      "Unsupported online store URI 'mongodb://x'",
    );
    await expect(openOnlineStore("redis://127.0.0.1:1")).rejects.toThrow(
      "Cannot reach the online store at redis://127.0.0.1:1",
    );
  });
});
