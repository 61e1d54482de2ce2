import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type ColumnDriftResult,
  compareToReferenceSync,
  DRIFT_METHODS,
  type DriftColumnInput,
  type DriftMethod,
  type DriftResult,
  fillEmptyBins,
  METHOD_INFO,
  type NewCategoryPolicy,
  prepareReferenceSync,
  readDriftFiles,
  sturgesEdges,
} from "../src/index.js";
import { FIXTURES, fixtureJson } from "./support/fixtures.js";

/**
 * Every drift method of the in-memory path against numpy/scipy (scripts/make_drift_methods.py):
 * per column and method the statistic and p-value to 1e-9, the bins of PSI / KL / Jensen–Shannon,
 * both new-category policies for χ² and z, the automatic choice and the new-category counts. The
 * CSV cases are read through DuckDB by readDriftFiles, as `gyre monitor drift` reads files.
 */
const fixture = fixtureJson("drift-methods.json");

type Expected = any;

function near(actual: number, expected: number | string): boolean {
  if (typeof expected === "string") return String(actual) === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

function decodeNumbers(values: (number | string)[]): Float64Array {
  return Float64Array.from(values, (v) => (typeof v === "number" ? v : Number(v)));
}

function expandCategories(name: string, side: { labels: string[]; counts: number[] }): DriftColumnInput {
  const codes = new Int32Array(side.counts.reduce((a, b) => a + b, 0));
  let at = 0;
  side.counts.forEach((count, code) => {
    codes.fill(code, at, at + count);
    at += count;
  });
  return { name, kind: "categorical", codes, dictionary: side.labels };
}

type Sides = { reference: DriftColumnInput[]; current: DriftColumnInput[] };
const loaded = new Map<string, Promise<Sides>>();

/** Each case's columns, read once (DuckDB for the CSV cases) and shared by its tests. */
function caseColumns(c: Expected): Promise<Sides> {
  let sides = loaded.get(c.name);
  if (!sides) {
    sides = loadColumns(c);
    loaded.set(c.name, sides);
  }
  return sides;
}

async function loadColumns(c: Expected): Promise<Sides> {
  if (c.reference_file) {
    const read = await readDriftFiles({
      reference: join(FIXTURES, "drift", c.reference_file),
      current: join(FIXTURES, "drift", c.current_file),
    });
    return { reference: read.reference.columns, current: read.current.columns };
  }
  const reference: DriftColumnInput[] = [];
  const current: DriftColumnInput[] = [];
  for (const [name, sides] of Object.entries<any>(c.numeric ?? {})) {
    reference.push({ name, kind: "numeric", values: decodeNumbers(sides.reference) });
    current.push({ name, kind: "numeric", values: decodeNumbers(sides.current) });
  }
  for (const [name, sides] of Object.entries<any>(c.categorical ?? {})) {
    reference.push(expandCategories(name, sides.reference));
    current.push(expandCategories(name, sides.current));
  }
  return { reference, current };
}

function byName(result: DriftResult): Map<string, ColumnDriftResult> {
  return new Map(result.columns.map((c) => [c.name, c]));
}

describe.each(fixture.cases as Expected[])("drift methods: $name", (c) => {
  const tested = (c.columns as Expected[]).filter((col) => !col.skipped);

  it("chooses the automatic method and counts rows, values and new categories as scipy's inputs", async () => {
    const { reference, current } = await caseColumns(c);
    const result = compareToReferenceSync(prepareReferenceSync(reference), current);
    const got = byName(result);
    for (const want of tested) {
      const column = got.get(want.column);
      expect(column, want.column).toBeDefined();
      const at = `${c.name}.${want.column}`;
      expect(
        [
          column!.column_type,
          column!.method,
          column!.method_source,
          column!.reference_rows,
          column!.current_rows,
        ],
        at,
      ).toEqual([want.column_type, want.auto_method, "auto", want.reference_rows, want.current_rows]);
      expect(column!.distinct, at).toBe(want.distinct);
      if (column!.new_categories) {
        expect([column!.new_categories.distinct, column!.new_categories.rows], at).toEqual([
          want.new_categories.distinct,
          want.new_categories.rows,
        ]);
      }
    }
    for (const skipped of (c.columns as Expected[]).filter((col) => col.skipped)) {
      expect(result.skipped.find((s) => s.name === skipped.column)?.reason, skipped.column).toMatch(/^text/);
    }
  });

  const runs: [DriftMethod, NewCategoryPolicy][] = DRIFT_METHODS.flatMap((m) =>
    m === "chisquare" || m === "z"
      ? ([
          [m, "separate"],
          [m, "include"],
        ] as [DriftMethod, NewCategoryPolicy][])
      : [[m, "separate"] as [DriftMethod, NewCategoryPolicy]],
  );

  it.each(runs)("%s (%s new categories) matches scipy to 1e-9", async (method, policy) => {
    const { reference, current } = await caseColumns(c);
    const applicable = tested.filter((col) => col.methods[method]);
    if (applicable.length === 0) return;
    const methods = Object.fromEntries(applicable.map((col) => [col.column, method]));
    const result = compareToReferenceSync(prepareReferenceSync(reference), current, {
      methods,
      newCategories: policy,
      columns: applicable.map((col) => col.column),
    });
    const got = byName(result);
    for (const want of applicable) {
      const column = got.get(want.column)!;
      const at = `${c.name}.${want.column} ${method}/${policy}`;
      const figures =
        method === "chisquare" || method === "z" ? want.methods[method][policy] : want.methods[method];
      expect(column.method_source, at).toBe("override");
      expect(
        near(column.statistic, figures.statistic),
        `${at}: statistic ${column.statistic} vs ${figures.statistic}`,
      ).toBe(true);
      if (METHOD_INFO[method].kind === "p_value") {
        expect(
          near(column.p_value!, figures.p_value),
          `${at}: p ${column.p_value} vs ${figures.p_value}`,
        ).toBe(true);
      } else expect(column.p_value, at).toBeNull();
      if (figures.binning)
        expect(column.binning, at).toEqual({ kind: figures.binning.kind, bins: figures.binning.bins });
      if (figures.binning?.kind === "sturges") {
        const plot = column.distribution;
        expect(plot.kind, at).toBe("bins");
        if (plot.kind === "bins") {
          plot.edges.forEach((edge, i) => {
            expect(near(edge, figures.binning.edges[i]), `${at}: edge ${i}`).toBe(true);
          });
        }
      }
    }
  });
});

describe("binning and empty bins", () => {
  it("numpy's Sturges count: 22 bins for 2,000,000 values, one bin for a constant", () => {
    expect(sturgesEdges(0, 1, 2_000_000).length - 1).toBe(22);
    expect(sturgesEdges(0, 1, 4000).length - 1).toBe(13);
    expect(Array.from(sturgesEdges(3, 3, 100))).toEqual([2.5, 3.5]);
  });

  it("fills empty bins with min/1e6 when a share ≤ 1e-4 exists, else with 1e-4, never renormalising", () => {
    expect(Array.from(fillEmptyBins(Float64Array.from([0.5, 0.49995, 0.00005, 0])))).toEqual([
      0.5,
      0.49995,
      0.00005,
      0.00005 / 1e6,
    ]);
    expect(Array.from(fillEmptyBins(Float64Array.from([0.6, 0.4, 0])))).toEqual([0.6, 0.4, 1e-4]);
  });
});
