import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFiles, listDataFiles } from "../src/index.js";
import { close, fixtureJson, SHARED_DATA } from "./support/fixtures.js";

/**
 * Column profiles of two shared data sets against pandas/numpy (scripts/make_fixtures.py):
 * counts and histograms exactly, floating-point figures to 1e-9 relative (DuckDB and numpy sum
 * in different orders).
 */
describe.each(["penguins", "breast-cancer"])("profile of %s.csv", (name) => {
  const expected = fixtureJson(`profile-${name}.json`);

  it("matches pandas column by column", async () => {
    const { profile } = await analyzeFiles(await listDataFiles(join(SHARED_DATA, `${name}.csv`)));
    expect(profile.rows).toBe(expected.rows);
    expect(profile.columns.map((c) => c.name)).toEqual(expected.columns.map((c: any) => c.name));
    for (const [i, column] of profile.columns.entries()) {
      const want = expected.columns[i];
      const at = `${name}.${column.name}`;
      expect(Object.keys(column), at).toEqual([
        "name",
        "type",
        "missing",
        "distinct",
        "min",
        "max",
        "mean",
        "std",
        "quantiles",
        "histogram",
        "top",
      ]);
      expect(column.missing, at).toBe(want.missing);
      expect(column.distinct, at).toBe(want.distinct);
      expect(column.min, at).toEqual(want.min);
      expect(column.max, at).toEqual(want.max);
      expect(close(column.mean, want.mean), `${at} mean ${column.mean} vs ${want.mean}`).toBe(true);
      expect(close(column.std, want.std), `${at} std ${column.std} vs ${want.std}`).toBe(true);
      if (want.quantiles === null) expect(column.quantiles, at).toBeNull();
      else {
        expect(column.quantiles?.map((q) => q.q)).toEqual([0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]);
        for (const [k, q] of (column.quantiles ?? []).entries()) {
          const ok = close(q.value, want.quantiles[k], 1e-12);
          expect(ok, `${at} q${q.q} ${q.value} vs ${want.quantiles[k]}`).toBe(true);
        }
      }
      if (want.histogram === null) expect(column.histogram, at).toBeNull();
      else {
        expect(column.histogram?.counts, at).toEqual(want.histogram.counts);
        for (const [k, edge] of (column.histogram?.edges ?? []).entries()) {
          expect(close(edge, want.histogram.edges[k], 1e-15), at).toBe(true);
        }
      }
      expect(column.top, at).toEqual(want.top);
    }
  });
});

describe("profile conventions", () => {
  it("types the penguins columns as DuckDB reads them and counts the documented missing values", async () => {
    const { profile, schema, rows } = await analyzeFiles(
      await listDataFiles(join(SHARED_DATA, "penguins.csv")),
    );
    expect(rows).toBe(344);
    expect(schema).toEqual([
      { name: "species", type: "VARCHAR" },
      { name: "island", type: "VARCHAR" },
      { name: "bill_length_mm", type: "DOUBLE" },
      { name: "bill_depth_mm", type: "DOUBLE" },
      { name: "flipper_length_mm", type: "BIGINT" },
      { name: "body_mass_g", type: "BIGINT" },
      { name: "sex", type: "VARCHAR" },
      { name: "year", type: "BIGINT" },
    ]);
    expect(profile.columns.map((c) => c.missing)).toEqual([0, 0, 2, 2, 2, 2, 11, 0]);
    const species = profile.columns[0]!;
    expect(species.top).toEqual([
      { value: "Adelie", count: 152 },
      { value: "Gentoo", count: 124 },
      { value: "Chinstrap", count: 68 },
    ]);
    expect([species.mean, species.std, species.quantiles, species.histogram]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});
