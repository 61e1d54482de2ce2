import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFeatureRepository } from "@gyre/core";
import { DataEngine, listDataFiles, tableOverFiles } from "@gyre/data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkViewSource,
  defineSource,
  FeatureCatalog,
  historicalQuery,
  writeHistorical,
} from "../src/index.js";

/**
 * The point-in-time join against a brute-force reference on seeded random data: composite keys
 * built to collide under string concatenation ((1,"23") vs (12,"3")), many exact ties on event
 * and created time, NULL created times, NULL feature values, NULL keys and times, ttl expiry, two
 * views on different keys, duplicated spine rows.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE = Date.UTC(2024, 0, 1);
const iso = (s: number) => new Date(BASE + s * 1000).toISOString().replace("T", " ").replace(".000Z", "");
const K1 = [1, 12, 7];
const K2 = ["23", "3", "x"];

interface FRow {
  k1: number | null;
  k2: string | null;
  ev: number | null;
  cr: number | null;
  f: number | null;
  g: number;
}
interface SRow {
  k1: number | null;
  k2: string | null;
  t: number | null;
  tag: number;
}

function makeData(seed: number, nFeature: number, nSpine: number) {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const frows: FRow[] = [];
  for (let i = 0; i < nFeature; i++) {
    frows.push({
      k1: r() < 0.02 ? null : pick(K1),
      k2: r() < 0.02 ? null : pick(K2),
      ev: r() < 0.02 ? null : Math.floor(r() * 300),
      cr: r() < 0.3 ? null : Math.floor(r() * 3),
      f: r() < 0.1 ? null : Math.round(r() * 1000) / 10,
      g: Math.floor(r() * 100),
    });
  }
  const srows: SRow[] = [];
  for (let i = 0; i < nSpine; i++) {
    srows.push({
      k1: r() < 0.03 ? null : pick(K1),
      k2: r() < 0.03 ? null : pick(K2),
      t: r() < 0.03 ? null : Math.floor(r() * 320),
      tag: i,
    });
    if (r() < 0.1) srows.push({ ...srows[srows.length - 1]!, tag: i }); // duplicated spine row
  }
  return { frows, srows };
}

const csv = (header: string[], rows: unknown[][]) =>
  `${header.join(",")}\n${rows.map((row) => row.map((v) => (v === null ? "" : String(v))).join(",")).join("\n")}\n`;

/** Every acceptable (f, g) answer: the fully tied best candidates within ttl; [] means NULLs. */
function reference(
  frows: FRow[],
  s: SRow,
  keys: ("k1" | "k2")[],
  ttl: number,
): { f: number | null; g: number }[] {
  if (s.t === null || keys.some((k) => s[k] === null)) return [];
  const cands = frows.filter(
    (f) => f.ev !== null && f.ev <= s.t! && keys.every((k) => f[k] !== null && f[k] === s[k]),
  );
  if (cands.length === 0) return [];
  const cr = (x: FRow) => (x.cr === null ? Number.NEGATIVE_INFINITY : x.cr);
  const bestEv = Math.max(...cands.map((c) => c.ev!));
  const atEv = cands.filter((c) => c.ev === bestEv);
  const bestCr = Math.max(...atEv.map(cr));
  if (ttl > 0 && bestEv < s.t - ttl) return [];
  return atEv.filter((c) => cr(c) === bestCr).map((c) => ({ f: c.f, g: c.g }));
}

const REPO = (dir: string) =>
  parseFeatureRepository({
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
    sources: [{ name: "events", path: join(dir, "features.parquet") }],
    feature_views: [
      {
        name: "by_pair",
        entities: ["pair"],
        source: "events",
        event_timestamp_column: "ev",
        created_timestamp_column: "cr",
        ttl_seconds: 6,
        features: [
          { name: "f", type: "float64" },
          { name: "g", type: "int64" },
        ],
      },
      {
        name: "by_one",
        entities: ["one"],
        source: "events",
        event_timestamp_column: "ev",
        created_timestamp_column: "cr",
        features: [
          { name: "f1", type: "float64", column: "f" },
          { name: "g1", type: "int32", column: "g" },
        ],
      },
    ],
  });

describe("point-in-time join", () => {
  let dir: string;
  let engine: DataEngine;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gyre-pit-"));
    engine = await DataEngine.open({ allowedDirectories: [dir] });
  });
  afterAll(() => {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The rows as Parquet (k2 stays a string even when every value looks like a number). */
  async function writeData(frows: FRow[], srows: SRow[]) {
    writeFileSync(
      join(dir, "features.txt.csv"),
      csv(
        ["k1", "k2", "ev", "cr", "f", "g"],
        frows.map((f) => [
          f.k1,
          f.k2,
          f.ev === null ? null : iso(f.ev),
          f.cr === null ? null : iso(f.cr),
          f.f,
          f.g,
        ]),
      ),
    );
    writeFileSync(
      join(dir, "spine.txt.csv"),
      csv(
        ["k1", "k2", "t", "tag"],
        srows.map((s) => [s.k1, s.k2, s.t === null ? null : iso(s.t), s.tag]),
      ),
    );
    for (const [from, to, cols] of [
      [
        "features.txt.csv",
        "features.parquet",
        "k1::BIGINT AS k1, k2::VARCHAR AS k2, ev::TIMESTAMP AS ev, cr::TIMESTAMP AS cr, f::DOUBLE AS f, g::BIGINT AS g",
      ],
      [
        "spine.txt.csv",
        "spine.parquet",
        "k1::BIGINT AS k1, k2::VARCHAR AS k2, t::TIMESTAMP AS t, tag::BIGINT AS tag",
      ],
    ] as const) {
      await engine.run(
        `COPY (SELECT ${cols} FROM read_csv('${join(dir, from)}', all_varchar = true)) TO '${join(dir, to)}' (FORMAT parquet)`,
      );
    }
  }

  /** `spineExtra`: more spine columns, as a SELECT list over the spine's columns. */
  async function run(frows: FRow[], srows: SRow[], name: string, spineExtra?: string) {
    await writeData(frows, srows);
    let spineFile = join(dir, "spine.parquet");
    if (spineExtra !== undefined) {
      const extended = join(dir, "spine-extended.parquet");
      await engine.run(
        `COPY (SELECT *, ${spineExtra} FROM read_parquet('${spineFile}')) TO '${extended}' (FORMAT parquet)`,
      );
      spineFile = extended;
    }
    const catalog = new FeatureCatalog(REPO(dir));
    const selection = catalog.select(["by_pair:*", "by_one:*"], false);
    const source = await defineSource(engine, "src_events", {
      files: await listDataFiles(join(dir, "features.parquet")),
    });
    for (const v of catalog.views.values()) checkViewSource(v, source);
    const spine = await tableOverFiles(engine, "spine", await listDataFiles(spineFile));
    const out = join(dir, `${name}.parquet`);
    const result = await writeHistorical(
      {
        engine,
        spine,
        timestampColumn: "t",
        selection,
        sources: new Map([
          ["by_pair", source],
          ["by_one", source],
        ]),
      },
      out,
      "parquet",
    );
    const rows = await engine.all(`SELECT tag, f, g, f1, g1 FROM read_parquet('${out}')`);
    return { result, rows };
  }

  /**
   * Runs the join and checks every row against the reference; returns how many spine rows had
   * several best candidates (exact ties), per view, and how many by_pair rows the ttl expired.
   */
  async function checkAgainstReference(frows: FRow[], srows: SRow[], name: string) {
    const { result, rows } = await run(frows, srows, name);
    expect(result.rows).toBe(srows.length);
    expect(rows.length).toBe(srows.length);
    expect(result.columns.map((c) => c.name)).toEqual(["k1", "k2", "t", "tag", "f", "g", "f1", "g1"]);
    const counts = { pairTies: 0, oneTies: 0, matched: 0, expired: 0 };
    for (const [i, s] of srows.entries()) {
      const row = rows[i]!;
      expect(Number(row.tag)).toBe(s.tag); // entity order kept
      const pair = reference(frows, s, ["k1", "k2"], 6);
      const one = reference(frows, s, ["k1"], 0);
      if (pair.length > 1) counts.pairTies++;
      if (one.length > 1) counts.oneTies++;
      if (one.length > 0) counts.matched++;
      if (pair.length === 0 && reference(frows, s, ["k1", "k2"], 0).length > 0) counts.expired++;
      const got = { f: row.f as number | null, g: row.g === null ? null : Number(row.g) };
      if (pair.length === 0) expect(got).toEqual({ f: null, g: null });
      else expect(pair).toContainEqual(got);
      const got1 = { f: row.f1 as number | null, g: row.g1 === null ? null : Number(row.g1) };
      if (one.length === 0) expect(got1).toEqual({ f: null, g: null });
      else expect(one).toContainEqual(got1);
    }
    return counts;
  }

  for (const seed of [1, 2, 3]) {
    it(`matches the brute-force reference (seed ${seed})`, async () => {
      const { frows, srows } = makeData(seed, 600, 400);
      const counts = await checkAgainstReference(frows, srows, `seed${seed}`);
      // The data exercise what they are meant to: tied and untied matches, expiry.
      expect(counts.pairTies).toBeGreaterThan(0);
      expect(counts.oneTies).toBeLessThan(counts.matched);
      expect(counts.expired).toBeGreaterThan(0);
    });
  }

  // Untied spine rows skip the tie-breaking aggregate; these two cases hold each path alone.
  it("matches the reference when no two view rows share keys and event time", async () => {
    const { frows, srows } = makeData(4, 300, 300);
    // Distinct event times overall, so no key (single or composite) has a tie.
    const untied = frows.map((f, i) => ({ ...f, ev: f.ev === null ? null : i }));
    const counts = await checkAgainstReference(untied, srows, "untied");
    expect(counts).toMatchObject({ pairTies: 0, oneTies: 0 });
    expect(counts.matched).toBeGreaterThan(0);
  });

  it("matches the reference when every matched row is an exact tie", async () => {
    const { frows, srows } = makeData(6, 300, 300);
    // Each row thrice at the same keys and event time: as is, created later, and with other
    // values (a tie on created time too, left to the value hash).
    const tied = frows.flatMap((f) => [
      f,
      { ...f, cr: f.cr === null ? 0 : f.cr + 1 },
      { ...f, f: f.f === null ? 0.5 : null, g: f.g + 1 },
    ]);
    const counts = await checkAgainstReference(tied, srows, "tied");
    expect(counts.matched).toBeGreaterThan(0);
    expect(counts.pairTies + counts.oneTies).toBeGreaterThan(0);
  });

  it("picks the same row among exact ties whatever the source order", async () => {
    const { frows, srows } = makeData(9, 500, 300);
    const a = await run(frows, srows, "order-a");
    const b = await run([...frows].reverse(), srows, "order-b");
    expect(b.rows).toEqual(a.rows);
  });

  it("keeps spine columns named like the join's own aliases apart from the view rows", async () => {
    const { frows, srows } = makeData(7, 300, 200);
    const plain = await run(frows, srows, "aliases-plain");
    const named = await run(
      frows,
      srows,
      "aliases-named",
      "tag * 10 AS v, tag * 100 AS j, tag + 1 AS m, 's' AS s",
    );
    expect(named.result.columns.map((c) => c.name)).toEqual([
      "k1",
      "k2",
      "t",
      "tag",
      "v",
      "j",
      "m",
      "s",
      "f",
      "g",
      "f1",
      "g1",
    ]);
    expect(named.rows).toEqual(plain.rows);
    const extra = await engine.all(
      `SELECT tag, v, j, m, s FROM read_parquet('${join(dir, "aliases-named.parquet")}')`,
    );
    expect(extra.map((r) => [Number(r.v), Number(r.j), Number(r.m), r.s])).toEqual(
      srows.map((row) => [row.tag * 10, row.tag * 100, row.tag + 1, "s"]),
    );
  });

  it("never matches composite keys that only collide when concatenated", async () => {
    const frows: FRow[] = [{ k1: 1, k2: "23", ev: 0, cr: null, f: 1.5, g: 1 }];
    const srows: SRow[] = [
      { k1: 12, k2: "3", t: 3, tag: 0 },
      { k1: 1, k2: "23", t: 3, tag: 1 },
    ];
    const { rows } = await run(frows, srows, "collide");
    expect(rows.map((r) => r.f)).toEqual([null, 1.5]);
  });

  it("applies on-demand transformations offline, row by row, in entity order", async () => {
    const { frows, srows } = makeData(5, 300, 200);
    await writeData(frows, srows);
    const repo = REPO(dir);
    repo.on_demand.push({
      name: "combo",
      inputs: ["by_pair:g", "by_one:f1"],
      request: [{ name: "tag", type: "int64" }],
      outputs: [
        { name: "score", type: "float64" },
        { name: "label", type: "string" },
      ],
    });
    const catalog = new FeatureCatalog(repo);
    const source = await defineSource(engine, "src_events", {
      files: await listDataFiles(join(dir, "features.parquet")),
    });
    const spine = await tableOverFiles(engine, "spine", await listDataFiles(join(dir, "spine.parquet")));
    const out = join(dir, "odfv.parquet");
    const transform = (row: Record<string, unknown>) => ({
      score:
        row.g === null || row.f1 === null
          ? null
          : (row.g as number) * 2 + (row.f1 as number) + (row.tag as number),
      label: `t${row.tag}`,
    });
    const result = await writeHistorical(
      {
        engine,
        spine,
        timestampColumn: "t",
        selection: catalog.select(["by_pair:g", "combo:*", "by_one:f1"], false),
        sources: new Map([
          ["by_pair", source],
          ["by_one", source],
        ]),
      },
      out,
      "parquet",
      new Map([["combo", async (row: Record<string, unknown>) => transform(row)]]),
    );
    expect(result.columns.map((c) => [c.name, c.type])).toEqual([
      ["k1", "BIGINT"],
      ["k2", "VARCHAR"],
      ["t", "TIMESTAMP"],
      ["tag", "BIGINT"],
      ["g", "BIGINT"],
      ["score", "DOUBLE"],
      ["label", "VARCHAR"],
      ["f1", "DOUBLE"],
    ]);
    const rows = await engine.all(`SELECT tag, g, f1, score, label FROM read_parquet('${out}')`);
    expect(rows).toHaveLength(srows.length);
    let scored = 0;
    for (const [i, row] of rows.entries()) {
      expect(Number(row.tag)).toBe(srows[i]!.tag);
      const expected = transform({
        g: row.g === null ? null : Number(row.g),
        f1: row.f1,
        tag: Number(row.tag),
      });
      expect({ score: row.score, label: row.label }).toEqual(expected);
      if (row.score !== null) scored++;
    }
    expect(scored).toBeGreaterThan(0);
  });

  it("refuses a spine whose key has the wrong type, naming the column", async () => {
    writeFileSync(join(dir, "bad.csv"), "k1,k2,t\nabc,x,2024-01-01 00:00:00\n");
    const catalog = new FeatureCatalog(REPO(dir));
    const spine = await tableOverFiles(engine, "bad", await listDataFiles(join(dir, "bad.csv")));
    await expect(
      historicalQuery({
        engine,
        spine,
        timestampColumn: "t",
        selection: catalog.select(["by_pair:f"], false),
        sources: new Map(),
      }),
    ).rejects.toThrow("join key 'k1' is VARCHAR, but it is declared int64");
  });
});
