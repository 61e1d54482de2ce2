import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareToReference,
  compareToReferenceSync,
  type DriftColumnInput,
  DriftWorkers,
  decodeReferenceProfile,
  driftBetween,
  encodeReferenceProfile,
  prepareReference,
  prepareReferenceSync,
  summariseColumn,
} from "../src/index.js";
import { seeded } from "./support/random.js";

/** The in-memory drift path's behaviour: rules, overrides, errors, dictionaries, worker threads. */

function numeric(name: string, n: number, seed: number, shift = 0, scale = 1): DriftColumnInput {
  const random = seeded(seed);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = shift + scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { name, kind: "numeric", values };
}

function categorical(name: string, labels: string[], counts: number[]): DriftColumnInput {
  const codes = new Int32Array(counts.reduce((a, b) => a + b, 0));
  let at = 0;
  counts.forEach((count, code) => {
    codes.fill(code, at, at + count);
    at += count;
  });
  return { name, kind: "categorical", codes, dictionary: labels };
}

describe("dataset verdict and overrides", () => {
  const reference = [
    numeric("a", 5000, 1),
    numeric("b", 5000, 2),
    numeric("c", 5000, 3),
    categorical("d", ["x", "y"], [2500, 2500]),
  ];
  const current = [
    numeric("a", 4000, 11, 0.5),
    numeric("b", 4000, 12),
    numeric("c", 4000, 13),
    categorical("d", ["x", "y"], [2000, 2000]),
  ];

  it("drifts the dataset when drifted / tested ≥ drift_share", async () => {
    const result = await driftBetween(reference, current);
    expect(result.columns.map((c) => [c.name, c.method, c.drifted])).toEqual([
      ["a", "wasserstein", true],
      ["b", "wasserstein", false],
      ["c", "wasserstein", false],
      ["d", "jensenshannon", false],
    ]);
    expect([result.drifted_columns, result.tested_columns, result.drifted_share]).toEqual([1, 4, 0.25]);
    expect(result.dataset_drift).toBe(false);
    expect((await driftBetween(reference, current, { driftShare: 0.25 })).dataset_drift).toBe(true);
  });

  it("applies per-column methods and thresholds", async () => {
    const result = await driftBetween(reference, current, {
      methods: { a: "ks", d: "psi" },
      thresholds: { b: 0.0001, d: 0.5 },
    });
    const [a, b, , d] = result.columns;
    expect([a!.method, a!.method_source, a!.threshold, a!.p_value! < 0.05, a!.drifted]).toEqual([
      "ks",
      "override",
      0.05,
      true,
      true,
    ]);
    expect([b!.method, b!.method_source, b!.threshold, b!.drifted]).toEqual([
      "wasserstein",
      "auto",
      0.0001,
      true,
    ]);
    expect([d!.method, d!.threshold, d!.statistic]).toEqual(["psi", 0.5, 0]);
  });

  it("rejects overrides that cannot apply, naming the column and the rule", async () => {
    await expect(driftBetween(reference, current, { methods: { d: "ks" } })).rejects.toThrow(
      /ks needs a numerical column; "d" is categorical/,
    );
    await expect(driftBetween(reference, current, { methods: { nope: "psi" } })).rejects.toThrow(
      /methods: no column "nope" in the reference/,
    );
    await expect(
      driftBetween(reference, current, { methods: { a: "ks" }, thresholds: { a: 2 } }),
    ).rejects.toThrow(/thresholds\.a: threshold 2 for ks must be a p-value level/);
    await expect(driftBetween(reference, current, { driftShare: 0 })).rejects.toThrow(/driftShare/);
    // A small reference gets a p-value test automatically, so its threshold must be below 1.
    const small = [numeric("a", 500, 1)];
    await expect(driftBetween(small, [numeric("a", 500, 2)], { thresholds: { a: 2 } })).rejects.toThrow(
      /thresholds\.a: threshold 2 for ks must be a p-value level/,
    );
    await expect(
      driftBetween(reference, current, { methods: { a: "median" as never } }),
    ).rejects.toMatchObject({ code: "INVALID_PARAMETER_VALUE" });
  });
});

describe("columns", () => {
  it("matches categories by label across different dictionaries and reports new ones", () => {
    const ref = categorical("city", ["Oslo", "Rome", "Lima"], [500, 300, 200]);
    const cur: DriftColumnInput = {
      name: "city",
      kind: "categorical",
      // The same cities in another order, a duplicate label and a new one; -1 is missing.
      dictionary: ["Lima", "Rome", "Oslo", "Kyiv", "Rome"],
      codes: Int32Array.from([
        ...Array(200).fill(0),
        ...Array(150).fill(1),
        ...Array(150).fill(4),
        ...Array(500).fill(2),
        ...Array(40).fill(3),
        -1,
        -1,
      ]),
    };
    const [column] = compareToReferenceSync(prepareReferenceSync([ref]), [cur], {
      methods: { city: "chisquare" },
    }).columns;
    expect(column!.current_missing).toBe(2);
    expect(column!.new_categories).toEqual({ distinct: 1, rows: 40, share: 40 / 1040, values: ["Kyiv"] });
    // Over the reference's categories the current matches it exactly.
    expect([column!.statistic, column!.p_value, column!.drifted]).toEqual([0, 1, false]);
    const include = compareToReferenceSync(prepareReferenceSync([ref]), [cur], {
      methods: { city: "chisquare" },
      newCategories: "include",
    }).columns[0]!;
    expect([include.statistic, include.p_value, include.drifted]).toEqual([
      Number.POSITIVE_INFINITY,
      0,
      true,
    ]);
  });

  it("skips text, empty and one-sided columns with the reason", () => {
    const text: DriftColumnInput = {
      name: "id",
      kind: "categorical",
      dictionary: ["a", "b", "c", "d"],
      codes: Int32Array.from([0, 1, 2, 3]),
    };
    const empty: DriftColumnInput = {
      name: "e",
      kind: "numeric",
      values: Float64Array.from([Number.NaN, Infinity]),
    };
    const result = compareToReferenceSync(prepareReferenceSync([text, empty, numeric("only_ref", 10, 1)]), [
      text,
      empty,
      numeric("only_cur", 10, 2),
    ]);
    expect(result.columns).toEqual([]);
    expect(result.dataset_drift).toBe(false);
    expect(result.skipped).toEqual([
      { name: "id", reason: "text column: the drift methods do not cover it" },
      { name: "e", reason: "no non-missing values on one side" },
      { name: "only_cur", reason: "absent from the reference" },
    ]);
  });

  it("refuses codes past the dictionary", () => {
    expect(() =>
      summariseColumn({
        name: "bad",
        kind: "categorical",
        dictionary: ["a"],
        codes: Int32Array.from([0, 1]),
      }),
    ).toThrow(/bad: 1 codes point past the dictionary of 1 categories/);
  });

  it("summarises numbers exactly: distinct values with counts, -0 as 0, NaN and ±Infinity missing", () => {
    const values = Float64Array.from([3, -0, 0, Number.NaN, 2.5, 3, -Infinity, 3]);
    const summary = summariseColumn({ name: "x", kind: "numeric", values });
    expect(summary).toMatchObject({ rows: 6, missing: 2 });
    if (summary.kind !== "numeric") throw new Error("numeric expected");
    expect(Array.from(summary.values)).toEqual([0, 2.5, 3]);
    expect(Array.from(summary.counts!)).toEqual([2, 1, 3]);
    // The radix path (many distinct values) agrees with the built-in sort.
    const big = (numeric("big", 50_000, 7) as { values: Float64Array }).values;
    // Extremes of every sign and size, including subnormals, among them.
    big.set([-Number.MAX_VALUE, -1e-300, -5e-324, 5e-324, 1e-300, Number.MAX_VALUE, -1, 1, 0], 100);
    const sorted = summariseColumn({ name: "big", kind: "numeric", values: big });
    expect(sorted.kind === "numeric" && Array.from(sorted.values)).toEqual(
      Array.from(big).sort((a, b) => a - b),
    );
  });
});

describe("stored reference profiles", () => {
  it("give the same drift after an encode/decode round trip", () => {
    const reference = [
      numeric("a", 8000, 1),
      { name: "i", kind: "numeric", family: "integer", values: Float64Array.from([1, 2, 2, 3, Number.NaN]) },
      categorical("c", ["p", "q", "r"], [10, 20, 0]),
    ] as DriftColumnInput[];
    const current = [
      numeric("a", 5000, 2, 0.2),
      { name: "i", kind: "numeric", family: "integer", values: Float64Array.from([1, 3, 3, 4]) },
      categorical("c", ["q", "s"], [5, 1]),
    ] as DriftColumnInput[];
    const profile = prepareReferenceSync(reference);
    const bytes = encodeReferenceProfile(profile);
    // Decoding from an odd offset in a larger buffer still works (arrays are copied out).
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    const restored = decodeReferenceProfile(shifted.subarray(3));
    expect(compareToReferenceSync(restored, current)).toEqual(compareToReferenceSync(profile, current));
    expect(restored.byName.get("i")?.type).toBe("categorical");
  });

  it("refuses bytes that are not a profile", () => {
    expect(() => decodeReferenceProfile(new TextEncoder().encode("hello world, not a profile"))).toThrow(
      /Not a Gyre drift reference profile: bad signature/,
    );
    const bytes = encodeReferenceProfile(prepareReferenceSync([numeric("a", 100, 1)]));
    expect(() => decodeReferenceProfile(bytes.subarray(0, bytes.byteLength - 16))).toThrow(/truncated/);
  });
});

describe("worker threads", () => {
  let workers: DriftWorkers;
  beforeAll(async () => {
    workers = DriftWorkers.start(2);
    await workers.ready();
  });
  afterAll(() => workers.close());

  it("give the same result as the calling thread", async () => {
    const reference = [
      numeric("a", 30_000, 1),
      numeric("b", 30_000, 2, 0, 2),
      categorical("c", ["p", "q"], [10, 20]),
    ];
    const current = [
      numeric("a", 20_000, 3, 0.1),
      numeric("b", 20_000, 4),
      categorical("c", ["q", "p"], [20, 10]),
    ];
    const profile = await prepareReference(reference, { workers });
    const parallel = await compareToReference(profile, current, { workers });
    const serial = compareToReferenceSync(prepareReferenceSync(reference), current);
    expect(parallel).toEqual(serial);
    expect(parallel.columns.map((c) => c.drifted)).toEqual([true, true, false]);
  });

  it("fail the columns instead of hanging when the threads are gone", async () => {
    const lonely = DriftWorkers.start(1);
    await lonely.ready();
    // Stand in for a crash: end the only thread from outside.
    await (lonely as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0]!.terminate();
    await expect(lonely.summarise(numeric("a", 10, 1))).rejects.toThrow(
      /drift workers failed: a drift worker exited/,
    );
    // Categorical columns never needed a thread.
    await expect(lonely.summarise(categorical("c", ["p"], [3]))).resolves.toMatchObject({ rows: 3 });
    await expect(lonely.ready()).rejects.toThrow(/drift workers failed/);
    await lonely.close();
  });
});
