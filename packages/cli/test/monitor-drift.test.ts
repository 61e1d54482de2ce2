import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "./support/run-cli.js";

/**
 * `gyre monitor drift` on the CSV samples of @gyre/data's drift fixtures: text and JSON output, the
 * figures scipy gave for them (drift-methods.json), the HTML report, and usage errors naming flags.
 */
const FIXTURES = fileURLToPath(new URL("../../data/test/fixtures/", import.meta.url));
const DRIFT = join(FIXTURES, "drift");
const scipy = JSON.parse(readFileSync(join(FIXTURES, "drift-methods.json"), "utf8"));
const scratch = mkdtempSync(join(tmpdir(), "gyre-monitor-drift-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function gyre(...args: string[]) {
  return runCliCaptured(["monitor", "drift", ...args]);
}

const FLIGHTS = [
  "--reference",
  join(DRIFT, "flights-first-4000.csv"),
  "--current",
  join(DRIFT, "flights-last-4000.csv"),
];
const PENGUINS = [
  "--reference",
  join(DRIFT, "penguins-no-chinstrap.csv"),
  "--current",
  join(DRIFT, "penguins-2009.csv"),
];

function expected(caseName: string, column: string) {
  return scipy.cases.find((c: any) => c.name === caseName).columns.find((c: any) => c.column === column);
}

describe("gyre monitor drift", () => {
  it("prints the method, statistic, p-value, threshold and verdict per column and the dataset verdict", async () => {
    const { code, stdout, stderr } = await gyre(...FLIGHTS);
    expect([code, stderr]).toEqual([0, ""]);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/3 of 4 columns drifted \(share 0\.75, threshold 0\.5\): DATASET DRIFT$/);
    expect(lines[2]).toMatch(
      /^COLUMN\s+TYPE\s+METHOD\s+STATISTIC\s+P-VALUE\s+THRESHOLD\s+VERDICT\s+NEW CATEGORIES$/,
    );
    expect(lines[3]).toMatch(/^delay\s+numerical\s+wasserstein\s+0\.28455\s+-\s+0\.1\s+DRIFT$/);
    expect(lines[5]).toMatch(
      /^origin\s+categorical\s+jensenshannon\s+0\.12327\s+-\s+0\.1\s+DRIFT\s+19 \(0\.7% of rows\)$/,
    );
    expect(stdout).toContain("date: datetime column (TIMESTAMP)");
  });

  it("--json prints one object whose figures are scipy's, overrides applied", async () => {
    const { code, stdout } = await gyre(
      ...PENGUINS,
      "--method",
      "bill_length_mm=psi",
      "--method",
      "species=chisquare",
      "--threshold",
      "species=0.01",
      "--new-categories",
      "include",
      "--drift-share",
      "0.3",
      "--json",
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.reference).toEqual({ name: join(DRIFT, "penguins-no-chinstrap.csv"), rows: 200 });
    const byName = Object.fromEntries(report.columns.map((c: any) => [c.name, c]));
    const psi = byName.bill_length_mm;
    expect([psi.method, psi.method_source, psi.p_value]).toEqual(["psi", "override", null]);
    expect(psi.statistic).toBeCloseTo(
      expected("penguins-new-category", "bill_length_mm").methods.psi.statistic,
      9,
    );
    const species = byName.species;
    expect([species.statistic, species.p_value, species.threshold, species.drifted]).toEqual([
      "Infinity",
      0,
      0.01,
      true,
    ]);
    expect(species.new_categories).toMatchObject({ distinct: 1, rows: 24, values: ["Chinstrap"] });
    const ks = byName.flipper_length_mm;
    const want = expected("penguins-new-category", "flipper_length_mm").methods.ks;
    expect(ks.method).toBe("ks");
    expect(ks.statistic).toBeCloseTo(want.statistic, 12);
    expect(Math.abs(ks.p_value - want.p_value)).toBeLessThan(1e-9);
    expect(report.drift_share).toBe(0.3);
    expect(report.dataset_drift).toBe(report.drifted_share >= 0.3);
  });

  it("--html writes a self-contained report with a plot per tested column", async () => {
    const html = join(scratch, "report.html");
    const { code, stdout } = await gyre(...FLIGHTS, "--html", html, "--columns", "delay,origin");
    expect(code).toBe(0);
    expect(stdout).toContain(`HTML report: ${html}`);
    const page = readFileSync(html, "utf8");
    expect(page.split('<article id="col-')).toHaveLength(3);
    expect(page).not.toContain("<script");
    expect(page).toContain(
      '<section id="quality"><h2>Data quality</h2><h3>Missing values and new categories</h3>',
    );
  });

  it("reads Parquet as it reads CSV: the same figures", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const parquet = (name: string) => join(scratch, name.replace(".csv", ".parquet"));
    for (const name of ["penguins-no-chinstrap.csv", "penguins-2009.csv"]) {
      await connection.run(
        `COPY (SELECT * FROM read_csv('${join(DRIFT, name)}')) TO '${parquet(name)}' (FORMAT parquet)`,
      );
    }
    connection.closeSync();
    instance.closeSync();
    const fromCsv = JSON.parse((await gyre(...PENGUINS, "--json")).stdout);
    const fromParquet = JSON.parse(
      (
        await gyre(
          "--reference",
          parquet("penguins-no-chinstrap.csv"),
          "--current",
          parquet("penguins-2009.csv"),
          "--json",
        )
      ).stdout,
    );
    expect(fromParquet.columns).toEqual(fromCsv.columns);
    expect(fromParquet.columns).toHaveLength(8);
  });

  it.each([
    ["--reference is required", []],
    ["--current is required", ["--reference", "a.csv"]],
    ["--method expects COLUMN=VALUE, got 'delay'", [...FLIGHTS, "--method", "delay"]],
    ["--method delay=median: unknown method", [...FLIGHTS, "--method", "delay=median"]],
    ["--threshold delay=-1: must be a number > 0", [...FLIGHTS, "--threshold", "delay=-1"]],
    ["must be a number > 0 and < 1", [...FLIGHTS, "--method", "delay=ks", "--threshold", "delay=5"]],
    ["--drift-share must be a share in (0, 1], got '1.5'", [...FLIGHTS, "--drift-share", "1.5"]],
    ["--new-categories must be 'separate' or 'include'", [...FLIGHTS, "--new-categories", "drop"]],
    ["--threads must be an integer", [...FLIGHTS, "--threads", "x"]],
    [
      "--method: no column 'nope' in the reference (columns: delay, distance",
      [...FLIGHTS, "--method", "nope=ks"],
    ],
    ["--columns: column 'date' cannot be tested (datetime column", [...FLIGHTS, "--columns", "date"]],
    [
      "--method origin=ks: ks needs a numerical column; 'origin' is categorical",
      [...FLIGHTS, "--method", "origin=ks"],
    ],
    ["Unknown option '--bins'", [...FLIGHTS, "--bins", "3"]],
    [
      "--threshold species=2: must be < 1, a p-value level (the automatic method for 'species' reports a p-value)",
      [...PENGUINS, "--threshold", "species=2"],
    ],
  ])("usage error: %s", async (message, args) => {
    const { code, stdout, stderr } = await gyre(...(args as string[]));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
    expect(stderr).toContain("Usage: gyre monitor drift");
  });

  it("a file that does not exist is a failure, not a usage error", async () => {
    const { code, stderr } = await gyre(
      "--reference",
      join(scratch, "missing.csv"),
      "--current",
      join(DRIFT, "flights-700.csv"),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/missing\.csv' does not exist/);
  });
});
