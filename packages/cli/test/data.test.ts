import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGyre, type Gyre as Server } from "@gyre/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gyreCli } from "./support/spawn-cli.js";

/** `gyre data …` end to end: in-process on an embedded store, and against a server (uploads). */
const PENGUINS = fileURLToPath(new URL("../../../../shared/data/penguins.csv", import.meta.url));
const PROFILE_KEYS = [
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
];

let home: string;
const cli = (...args: string[]) => gyreCli(args, { GYRE_HOME: join(home, "store") });

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "gyre-cli-data-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("gyre data, in-process", () => {
  it("registers once per content and lists the latest version", async () => {
    const first = await cli("data", "register", PENGUINS, "--name", "penguins");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Registered penguins@1 \(344 rows × 8 columns, digest [0-9a-f]{32}\)\n$/);
    expect(first.stderr).toBe("");
    const again = await cli("data", "register", PENGUINS, "--name", "penguins", "--json");
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: false,
      dataset_version: { name: "penguins", version: 1 },
    });
    const list = await cli("data", "list");
    expect(list.stdout.split("\n")[0]).toBe(
      "NAME      VERSION  ROWS  COLUMNS  FORMAT  SIZE      DIGEST                            CREATED",
    );
    expect(list.stdout).toContain("penguins  1        344   8        csv     16.9 KiB");
  });

  it("shows a version and prints the profile JSON with exactly the documented keys", async () => {
    const show = await cli("data", "show", "penguins@1");
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("URI       datasets:/penguins/1\n");
    expect(show.stdout).toContain("  penguins.csv  16.9 KiB  ");
    const profile = await cli("data", "profile", "penguins", "--json");
    const json = JSON.parse(profile.stdout);
    expect(Object.keys(json)).toEqual(["rows", "columns"]);
    expect(json.rows).toBe(344);
    expect(json.columns).toHaveLength(8);
    for (const column of json.columns) expect(Object.keys(column)).toEqual(PROFILE_KEYS);
    expect(json.columns[2]).toMatchObject({
      name: "bill_length_mm",
      type: "DOUBLE",
      missing: 2,
      min: 32.1,
      max: 59.6,
    });
    const text = await cli("data", "profile", "penguins@1");
    expect(text.stdout).toContain("penguins@1: 344 rows, 8 columns");
  });

  it("validates: exit 0 with a passing suite, exit 1 with a readable report naming each failure", async () => {
    const passing = join(home, "passing.json");
    writeFileSync(passing, JSON.stringify({ name: "ok", expectations: [{ kind: "row_count", min: 300 }] }));
    const ok = await cli("data", "validate", "penguins", "--suite", passing);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Suite ok on penguins@1 (344 rows): PASSED");

    const failing = join(home, "failing.json");
    writeFileSync(
      failing,
      JSON.stringify({
        name: "quality",
        sample_size: 2,
        expectations: [
          { kind: "missing_share", column: "sex", max: 0.01 },
          { kind: "values_in_set", column: "island", values: ["Biscoe", "Dream"] },
          { kind: "no_drift", columns: ["species"] },
        ],
      }),
    );
    const bad = await cli("data", "validate", "penguins@1", "--suite", failing, "--reference", "penguins@1");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "error: suite 'quality' failed on penguins@1: 2 of 3 expectations [INVALID_STATE]\n",
    );
    expect(bad.stdout).toContain("Suite quality on penguins@1 (344 rows): FAILED (2 of 3 expectations)");
    expect(bad.stdout).toContain(
      '✗ missing share of "sex" ≤ 0.01\n    observed: 0.0319767 — 11 offending rows',
    );
    expect(bad.stdout).toContain(
      '✗ values of "island" in {"Biscoe", "Dream"}\n    observed: ["Torgersen"] — 52 offending rows',
    );
    expect(bad.stdout).toContain('  ✓ no drift in "species"');
    expect(bad.stdout).toContain("      Adelie   Torgersen  NULL");

    const json = await cli(
      "data",
      "validate",
      "penguins",
      "--suite",
      failing,
      "--reference",
      "penguins@1",
      "--json",
    );
    expect(json.code).toBe(1);
    const record = JSON.parse(json.stdout).validation;
    expect(record.result.results.map((r: any) => r.success)).toEqual([false, false, true]);
    expect(record.result.results[0].sample).toHaveLength(2);
  });

  it("reports bad input in one line naming the file, the field or the dataset", async () => {
    const suite = join(home, "bad.json");
    writeFileSync(
      suite,
      JSON.stringify({ name: "s", expectations: [{ kind: "missing_share", column: "sex", max: 5 }] }),
    );
    expect(await cli("data", "validate", "penguins", "--suite", suite)).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: Invalid expectation suite (${suite}): expectations[0].max: Too big: expected number to be <=1 [INVALID_PARAMETER_VALUE]\n`,
    });
    expect(await cli("data", "show", "ghost@2")).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Dataset 'ghost' not found. [RESOURCE_DOES_NOT_EXIST]\n",
    });
    const missing = join(home, "missing.csv");
    expect((await cli("data", "register", missing, "--name", "x")).stderr).toBe(
      `error: Path '${missing}' does not exist. [INVALID_PARAMETER_VALUE]\n`,
    );
    expect((await cli("data", "register", PENGUINS)).stderr).toBe(
      "error: --name is required [INVALID_PARAMETER_VALUE]\n",
    );
  });
});

describe("gyre data against a server", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = await createGyre({
      backendStoreUri: `sqlite:///${home}/remote/gyre.db`,
      artifactsDestination: join(home, "remote", "artifacts"),
      port: 0,
      logLevel: false,
    });
    url = await server.listen();
  });
  afterAll(() => server.close());

  it("uploads the files through the artifact proxy and registers them with a query", async () => {
    const result = await gyreCli(
      [
        "data",
        "register",
        PENGUINS,
        "--name",
        "species",
        "--sql",
        "SELECT species, count(*) AS n FROM source GROUP BY ALL",
        "--tracking-uri",
        url,
        "--json",
      ],
      {},
    );
    expect(result.code, result.stderr).toBe(0);
    const { dataset_version } = JSON.parse(result.stdout);
    expect(dataset_version).toMatchObject({
      name: "species",
      version: 1,
      rows: 3,
      source: "upload",
      format: "parquet",
    });
    const stored = readFileSync(
      join(home, "remote", "artifacts", "datasets", "species", "1", "data.parquet"),
    );
    expect(stored.subarray(0, 4).toString()).toBe("PAR1");
  });
});
