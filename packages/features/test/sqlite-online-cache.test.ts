import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type OnlineRead, type OnlineStore, openOnlineStore } from "../src/index.js";

/**
 * The SQLite online store keeps rows it has read in memory. Another connection's commit (another
 * server process, `gyre features materialize`) must be seen by the very next read, and so must
 * this connection's own writes and drops: the cache may only ever save work, never show data older
 * than the database's at the start of the reader's event-loop turn.
 */
const dir = mkdtempSync(join(tmpdir(), "gyre-online-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process's commit lands between the reader's event-loop turns. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const read = (view: string, ...keys: string[]): OnlineRead => ({ view, keys, features: ["x"] });
const values = async (store: OnlineStore, reads: OnlineRead[]) =>
  (await store.readJson(reads)).map((records) => records.map((r) => r && [r.eventTime, r.texts[0]]));

describe("SQLite online store read cache", () => {
  it.each([
    ["default cache", ""],
    ["tiny cache (evicting)", "?cache_entries=1"],
    ["no cache", "?cache_entries=0"],
  ])("sees another connection's writes at the next read (%s)", async (_, options) => {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.db`);
    const reader = await openOnlineStore(`sqlite:///${file}${options}`);
    const writer = await openOnlineStore(`sqlite:///${file}`);
    try {
      await writer.write("v", [{ key: "1", eventTime: 10, createdTime: null, values: { x: 1 } }]);
      expect(await values(reader, [read("v", "1", "2")])).toEqual([[[10, "1"], undefined]]);
      expect(await values(reader, [read("v", "1", "2")])).toEqual([[[10, "1"], undefined]]);
      await writer.write("v", [
        { key: "1", eventTime: 20, createdTime: null, values: { x: 2 } },
        { key: "2", eventTime: 5, createdTime: null, values: { x: 5 } },
      ]);
      await nextTurn();
      expect(await values(reader, [read("v", "1", "2")])).toEqual([
        [
          [20, "2"],
          [5, "5"],
        ],
      ]);
      // The reader's own writes and drops, which do not move its own data_version.
      await reader.write("v", [{ key: "1", eventTime: 30, createdTime: null, values: { x: 3 } }]);
      expect(await values(reader, [read("v", "1")])).toEqual([[[30, "3"]]]);
      await reader.dropView("v");
      expect(await values(reader, [read("v", "1", "2")])).toEqual([[undefined, undefined]]);
      // Many keys at once take the transaction path, which fills the cache too.
      const keys = Array.from({ length: 300 }, (_, i) => String(i));
      await writer.write(
        "w",
        keys.map((key, i) => ({ key, eventTime: i, createdTime: null, values: { x: i } })),
      );
      const many = await values(reader, [read("w", ...keys)]);
      expect(many[0]!.map((r) => r?.[0])).toEqual(keys.map((_, i) => i));
      await writer.write("w", [{ key: "7", eventTime: 1000, createdTime: null, values: { x: -7 } }]);
      await nextTurn();
      expect((await values(reader, [read("w", ...keys)]))[0]![7]).toEqual([1000, "-7"]);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it("refuses unknown options in the URI, naming them", async () => {
    await expect(openOnlineStore(`sqlite:///${join(dir, "x.db")}?cache=5`)).rejects.toThrow(
      "unknown option 'cache=5' (sqlite takes cache_entries=<non-negative integer>)",
    );
    await expect(openOnlineStore(`sqlite:///${join(dir, "x.db")}?cache_entries=-1`)).rejects.toThrow(
      "unknown option 'cache_entries=-1'",
    );
  });
});
