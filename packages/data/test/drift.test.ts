import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  chiSquareSf,
  detectDrift,
  kolmogorovSf,
  ks2SamplePValue,
  listDataFiles,
  normalCdf,
  selectDriftTest,
  tableOverFiles,
  withEngine,
} from "../src/index.js";
import { FIXTURES, fixtureJson } from "./support/fixtures.js";

/**
 * Drift tests against scipy 1.10.1 (scripts/make_fixtures.py): per column, Evidently's default
 * test, its statistic and its p-value or distance to 1e-9; and the distributions behind the
 * p-values over the regions where scipy changes algorithm.
 */
const drift = fixtureJson("drift.json");
const distributions = fixtureJson("distributions.json");

function near(actual: number | string, expected: number | string, tolerance: number): boolean {
  if (typeof actual === "string" || typeof expected === "string") return actual === expected;
  return Math.abs(actual - expected) <= tolerance;
}

describe.each(drift.cases as any[])("drift case $name", (fixture) => {
  it("selects Evidently's test per column and matches scipy's figures", async () => {
    const dir = join(FIXTURES, "drift");
    const report = await withEngine({ allowedDirectories: [dir] }, async (engine) => {
      const reference = await tableOverFiles(
        engine,
        "reference",
        await listDataFiles(join(dir, fixture.reference)),
      );
      const current = await tableOverFiles(
        engine,
        "current",
        await listDataFiles(join(dir, fixture.current)),
      );
      return detectDrift(reference, current, { referenceName: fixture.reference });
    });
    const expected = fixture.columns.filter((c: any) => !c.skipped);
    expect(report.columns.map((c) => c.column)).toEqual(expected.map((c: any) => c.column));
    for (const [i, column] of report.columns.entries()) {
      const want = expected[i];
      const at = `${fixture.name}.${column.column}`;
      expect([column.column_type, column.test, column.drifted], at).toEqual([
        want.column_type,
        want.test,
        want.drifted,
      ]);
      expect([column.reference_rows, column.current_rows], at).toEqual([
        want.reference_rows,
        want.current_rows,
      ]);
      expect(near(column.score, want.score, 1e-9), `${at} score ${column.score} vs ${want.score}`).toBe(true);
      const tolerance = 1e-9 * Math.max(1, Math.abs(typeof want.statistic === "number" ? want.statistic : 0));
      expect(
        near(column.statistic, want.statistic, tolerance),
        `${at} statistic ${column.statistic} vs ${want.statistic}`,
      ).toBe(true);
    }
    // The flights files carry a timestamp, which Evidently's default tests leave out.
    for (const skipped of report.skipped)
      expect(skipped).toEqual({ column: "date", reason: expect.stringContaining("datetime") });
  });
});

describe("distributions against scipy", () => {
  it("kstwo.sf: the finite-n Kolmogorov tail in every region (exact, 2·Smirnov, Pelz–Good)", () => {
    for (const { n, d, sf } of distributions.kstwo_sf) {
      expect(near(kolmogorovSf(n, d), sf, 1e-12), `n=${n} d=${d}: ${kolmogorovSf(n, d)} vs ${sf}`).toBe(true);
    }
  });

  it("ks_2samp's exact two-sided p-value, equal and unequal sizes", () => {
    for (const { n1, n2, d, p } of distributions.ks_2samp_exact) {
      expect(near(ks2SamplePValue(n1, n2, d), p, 1e-12), `${n1}×${n2} d=${d}`).toBe(true);
    }
  });

  it("χ² survival function and the two-sided normal tail", () => {
    for (const { x, df, sf } of distributions.chi2_sf) {
      expect(near(chiSquareSf(x, df), sf, 1e-12), `χ²(${df}) at ${x}`).toBe(true);
    }
    for (const { z, p } of distributions.z_two_sided)
      expect(near(2 * (1 - normalCdf(Math.abs(z))), p, 1e-12)).toBe(true);
  });
});

describe("Evidently's default test selection", () => {
  it("switches on 1000 reference rows, 5 and 2 distinct values", () => {
    const pick = (type: "numerical" | "categorical", rows: number, distinct: number) =>
      selectDriftTest(type, rows, distinct).test;
    expect(pick("numerical", 1000, 6)).toBe("ks");
    expect(pick("numerical", 1000, 5)).toBe("chisquare");
    expect(pick("numerical", 1000, 2)).toBe("z");
    expect(pick("categorical", 1000, 3)).toBe("chisquare");
    expect(pick("categorical", 1000, 2)).toBe("z");
    expect(pick("numerical", 1001, 6)).toBe("wasserstein");
    expect(pick("numerical", 1001, 5)).toBe("jensenshannon");
    expect(pick("categorical", 1001, 100)).toBe("jensenshannon");
    expect(selectDriftTest("numerical", 10, 10).drifted(0.05)).toBe(true);
    expect(selectDriftTest("categorical", 10, 10).drifted(0.05)).toBe(false);
  });
});
