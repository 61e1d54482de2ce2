import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFeatureRepository } from "@gyre/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodeKey,
  FeatureCatalog,
  getOnlineFeatures,
  getOnlineFeaturesText,
  type OnlineStore,
  openOnlineStore,
} from "../src/index.js";
import { payloadFields } from "../src/online/sqlite.js";

/**
 * The HTTP route sends getOnlineFeaturesText's text as is: it must be exactly
 * JSON.stringify(getOnlineFeatures(...)) — same keys, order, values (timestamps, strings needing
 * escapes, non-finite numbers), statuses (PRESENT/MISSING/EXPIRED) and event times — for any
 * stored data and any selection. Checked on random rows against the SQLite store.
 */
const dir = mkdtempSync(join(tmpdir(), "gyre-online-text-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const repository = parseFeatureRepository({
  entities: [
    {
      name: "pair",
      join_keys: [
        { name: "k1", type: "int64" },
        { name: "k2", type: "string" },
      ],
    },
    { name: "one", join_keys: [{ name: "k1", type: "int64" }] },
  ],
  sources: [{ name: "events", path: join(dir, "none.parquet") }],
  feature_views: [
    {
      name: "by_pair",
      entities: ["pair"],
      source: "events",
      ttl_seconds: 60,
      features: [
        { name: "f", type: "float64" },
        { name: "s", type: "string" },
        { name: "t", type: "timestamp" },
      ],
    },
    {
      name: "by_one",
      entities: ["one"],
      source: "events",
      features: [
        { name: "b", type: "bool" },
        { name: "g", type: "int64" },
      ],
    },
  ],
  feature_services: [{ name: "all", features: ["by_pair:*", "by_one:g", "by_one:b"] }],
});
const catalog = new FeatureCatalog(repository);
const NOW = 1_700_000_000_000;

const value = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.constantFrom('quote " back \\ nl \n u2028 \u2028 nul \0', "é😀"),
  fc.boolean(),
  fc.constant(null),
);
const storedRow = fc.record({
  eventTime: fc.integer({ min: NOW - 120_000, max: NOW }),
  values: fc.record(
    { f: value, s: value, t: fc.integer({ min: 0, max: 4e12 }), b: value, g: value },
    { requiredKeys: [] },
  ),
});

describe("online answers as text", () => {
  it("equals JSON.stringify of the object answer, for random stored rows and selections", async () => {
    const store: OnlineStore = await openOnlineStore(`sqlite:///${dir}/online.db`);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom("a", 'b"', "c")), {
            minLength: 1,
            maxLength: 4,
          }),
          fc.array(fc.option(storedRow, { nil: undefined }), { minLength: 8, maxLength: 8 }),
          fc.array(fc.option(storedRow, { nil: undefined }), { minLength: 4, maxLength: 4 }),
          fc.constantFrom<[string[] | "all", boolean]>(
            ["all", false],
            ["all", true],
            [["by_one:*", "by_pair:s"], false],
            [["by_pair:t"], true],
          ),
          async (entities, pairRows, oneRows, [features, full]) => {
            await store.dropView("by_pair");
            await store.dropView("by_one");
            const pairs = pairRows.flatMap((row, i) =>
              row
                ? [{ key: encodeKey([i % 4, ["a", 'b"', "c", "d"][i >> 2]!]), createdTime: null, ...row }]
                : [],
            );
            const ones = oneRows.flatMap((row, i) =>
              row ? [{ key: encodeKey([i]), createdTime: null, ...row }] : [],
            );
            await store.write("by_pair", pairs);
            await store.write("by_one", ones);
            const selection =
              features === "all" ? catalog.selectService("all", full) : catalog.select(features, full);
            const rows = entities.map(([k1, k2]) => (selection.keys.has("k2") ? { k1, k2 } : { k1 }));
            const options = { now: NOW, transformations: new Map() };
            const text = await getOnlineFeaturesText(store, selection, rows, options);
            expect(text).toBe(JSON.stringify(await getOnlineFeatures(store, selection, rows, options)));
          },
        ),
        { numRuns: 150, seed: 5 },
      );
    } finally {
      await store.close();
    }
  });
});

describe("SQLite payload fields as JSON text", () => {
  it("splits any flat payload into each field's JSON.stringify text, without parsing", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (values) => {
        const expected = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)]));
        expect({ ...payloadFields(JSON.stringify(values)) }).toEqual(expected);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
