import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGyre, type Gyre as Server } from "@gyre/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gyreCli } from "./support/spawn-cli.js";

/** `gyre data …` end to end: in-process on an embedded store, and against a server (uploads). */
const PENGUINS = fileURLToPath(new URL("../../../../shared/data/penguins.csv", import.meta.url));
const NODE_MODULES = fileURLToPath(new URL("../../../node_modules", import.meta.url));
/** The failing suite of the validation tests, as JSON and as the same suite written in code. */
const QUALITY = {
  name: "quality",
  sample_size: 2,
  expectations: [
    { kind: "missing_share", column: "sex", max: 0.01 },
    { kind: "values_in_set", column: "island", values: ["Biscoe", "Dream"] },
    { kind: "no_drift", columns: ["species"] },
  ],
};
const QUALITY_TS = `import { defineSuite, expect } from "@gyre/data";
const maxMissing: number = 0.01;
export default defineSuite(
  "quality",
  [
    expect.missingShareAtMost("sex", maxMissing),
    expect.valuesInSet("island", ["Biscoe", "Dream"]),
    expect.noDrift({ columns: ["species"] }),
  ],
  { sample_size: 2 },
);
`;
/** Local times in tables, which depend on when the test ran. */
const TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g;
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
  // Suites written in TypeScript import @gyre/data as a user's would: from their node_modules.
  symlinkSync(NODE_MODULES, join(home, "node_modules"));
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

  it("warns when a directory's files do not share their columns, and registers their union", async () => {
    const dir = join(home, "mixed");
    mkdirSync(join(dir, "part"), { recursive: true });
    writeFileSync(join(dir, "a.csv"), "id,b\n1,x\n");
    writeFileSync(join(dir, "part", "b.csv"), "id,c\n2,y\n");
    const warning =
      "The 2 files do not all have the same columns; they were combined by column name, with NULL where a file lacks one: 'b' is missing from part/b.csv, 'c' is missing from a.csv.";
    const registered = await cli("data", "register", dir, "--name", "mixed");
    expect(registered.code).toBe(0);
    expect(registered.stderr).toBe(`warning: ${warning}\n`);
    expect(registered.stdout).toMatch(/^Registered mixed@1 \(2 rows × 3 columns, digest [0-9a-f]{32}\)\n$/);
    const again = JSON.parse((await cli("data", "register", dir, "--name", "mixed", "--json")).stdout);
    expect(again).toMatchObject({ created: false, warnings: [warning] });
    // Files that agree on their columns, in any order, say nothing.
    writeFileSync(join(dir, "part", "b.csv"), "b,id\ny,2\n");
    const agreeing = await cli("data", "register", dir, "--name", "mixed");
    expect([agreeing.code, agreeing.stderr]).toEqual([0, ""]);
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
    writeFileSync(failing, JSON.stringify(QUALITY));
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

  it("validates with a TypeScript or JavaScript suite exactly as with the same suite in JSON", async () => {
    const json = join(home, "quality.json");
    writeFileSync(json, JSON.stringify(QUALITY));
    const ts = join(home, "quality.ts");
    writeFileSync(ts, QUALITY_TS);
    // A plain object exported under the name `suite` is a suite too.
    const mjs = join(home, "quality.mjs");
    writeFileSync(mjs, `export const suite = ${JSON.stringify(QUALITY)};\n`);
    const args = ["data", "validate", "penguins@1", "--reference", "penguins@1", "--suite"];
    const fromJson = await cli(...args, json);
    expect(fromJson.code).toBe(1);
    expect(fromJson.stdout).toContain("Suite quality on penguins@1 (344 rows): FAILED (2 of 3 expectations)");
    const fromTs = await cli(...args, ts);
    expect(fromTs).toEqual(fromJson);
    expect(await cli(...args, mjs)).toEqual(fromJson);
    // The same validated suite is sent and stored: the records differ only in id and time.
    const record = async (file: string) => {
      const { id, created_time, ...rest } = JSON.parse(
        (await cli(...args, file, "--json")).stdout,
      ).validation;
      return rest;
    };
    expect(await record(ts)).toEqual(await record(json));
    // The compiled copy beside the suite is removed.
    expect(readdirSync(home).filter((f) => f.startsWith(".gyre-"))).toEqual([]);
  });

  it("names the suite module and the problem when it exports no suite or an invalid one", async () => {
    const none = join(home, "none.ts");
    writeFileSync(none, "export const threshold: number = 0.5;\nexport function helper() {}\n");
    expect(await cli("data", "validate", "penguins", "--suite", none)).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: Invalid expectation suite (${none}): the module exports no suite (it exports: helper, threshold); export it as default (export default defineSuite(…)) or as 'suite' [INVALID_PARAMETER_VALUE]\n`,
    });
    // A mistake in a suite written in code is reported as the same mistake in JSON is.
    const invalid = join(home, "invalid.ts");
    writeFileSync(
      invalid,
      'export default { name: "s", expectations: [{ kind: "missing_share", column: "sex", max: 5 }] };\n',
    );
    expect((await cli("data", "validate", "penguins", "--suite", invalid)).stderr).toBe(
      `error: Invalid expectation suite (${invalid}): expectations[0].max: Too big: expected number to be <=1 [INVALID_PARAMETER_VALUE]\n`,
    );
    const broken = join(home, "broken.ts");
    writeFileSync(broken, 'import { x } from "@gyre/no-such-package";\nexport default x;\n');
    const failed = await cli("data", "validate", "penguins", "--suite", broken);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(`^error: ${broken.replaceAll(".", "\\.")}: .*@gyre/no-such-package`),
    );
    expect(failed.stderr).not.toContain(".gyre-");
    expect((await cli("data", "validate", "penguins", "--suite", join(home, "nowhere.ts"))).stderr).toBe(
      `error: Cannot read suite ${join(home, "nowhere.ts")}: ENOENT [INVALID_PARAMETER_VALUE]\n`,
    );
  });

  it("lists a dataset's versions and its stored validation results with the failed expectations", async () => {
    const register = async (...extra: string[]) =>
      JSON.parse((await cli("data", "register", PENGUINS, "--name", "birds", ...extra, "--json")).stdout)
        .dataset_version;
    const v1 = await register();
    const v2 = await register("--sql", "SELECT * FROM source WHERE sex IS NOT NULL");
    expect([v1.version, v1.rows, v2.version, v2.rows]).toEqual([1, 344, 2, 333]);

    const versions = await cli("data", "versions", "birds");
    expect(versions.code).toBe(0);
    const lines = versions.stdout.replace(TIME, "<time>").split("\n");
    expect(lines[0]).toBe(
      "NAME   VERSION  ROWS  COLUMNS  FORMAT   SIZE      DIGEST                            CREATED",
    );
    expect(lines[1]).toMatch(
      new RegExp(`^birds  2        333   8        parquet  [0-9.]+ KiB +${v2.digest}  <time>$`),
    );
    expect(lines[2]).toBe(`birds  1        344   8        csv      16.9 KiB  ${v1.digest}  <time>`);
    expect(lines.slice(3)).toEqual([""]);
    expect(JSON.parse((await cli("data", "versions", "birds", "--json")).stdout)).toEqual({
      dataset_versions: [v2, v1],
    });
    expect((await cli("data", "versions", "ghost")).stderr).toBe(
      "error: Dataset 'ghost' not found. [RESOURCE_DOES_NOT_EXIST]\n",
    );
    const oneVersion = await cli("data", "versions", "birds@1");
    expect(oneVersion.code).toBe(2);
    expect(oneVersion.stderr).toContain(
      "data versions takes a dataset's name and lists all its versions; for one version use: gyre data show birds@1",
    );

    const suite = join(home, "complete.json");
    writeFileSync(
      suite,
      JSON.stringify({
        name: "complete",
        expectations: [
          { kind: "missing_share", column: "sex", max: 0 },
          { kind: "row_count", min: 300 },
        ],
      }),
    );
    const validate = async (ref: string) =>
      JSON.parse((await cli("data", "validate", ref, "--suite", suite, "--json")).stdout).validation;
    const failed = await validate("birds@1");
    const passed = await validate("birds@2");
    expect([failed.success, passed.success]).toEqual([false, true]);

    const results = await cli("data", "results", "birds");
    expect(results.code).toBe(0);
    const user = userInfo().username;
    expect(results.stdout.replace(TIME, "<time>")).toBe(
      [
        "ID  VERSION  SUITE     ROWS  RESULT                        CREATED              BY",
        `${String(passed.id).padEnd(2)}  2        complete  333   PASSED                        <time>  ${user}`,
        `${String(failed.id).padEnd(2)}  1        complete  344   FAILED (1 of 2 expectations)  <time>  ${user}`,
        "",
        "Failed expectations:",
        `  #${failed.id} complete on birds@1:`,
        '    ✗ missing share of "sex" ≤ 0',
        "        observed: 0.0319767 — 11 offending rows",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await cli("data", "results", "birds", "--json")).stdout)).toEqual({
      validations: [passed, failed],
    });
    expect(JSON.parse((await cli("data", "results", "birds@1", "--json")).stdout)).toEqual({
      validations: [failed],
    });
    expect(await cli("data", "results", "birds", "--suite", "other")).toEqual({
      code: 0,
      stdout: "No validation results.\n",
      stderr: "",
    });
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

  it("reads versions and stored results over HTTP, with a TypeScript suite validated remotely", async () => {
    const remote = (...args: string[]) => gyreCli([...args, "--tracking-uri", url], {});
    const versions = JSON.parse((await remote("data", "versions", "species", "--json")).stdout);
    expect(versions.dataset_versions.map((v: any) => [v.name, v.version, v.rows])).toEqual([
      ["species", 1, 3],
    ]);
    expect(await remote("data", "results", "species")).toEqual({
      code: 0,
      stdout: "No validation results.\n",
      stderr: "",
    });
    const suite = join(home, "species.ts");
    writeFileSync(
      suite,
      `import { defineSuite, expect } from "@gyre/data";
export const suite = defineSuite("counts", [expect.valuesInRange("n", { min: 100 })]);
`,
    );
    const validated = await remote("data", "validate", "species@1", "--suite", suite);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toContain("Suite counts on species@1 (3 rows): FAILED (1 of 1 expectations)");
    const results = await remote("data", "results", "species@1");
    expect(results.code).toBe(0);
    expect(results.stdout.replace(TIME, "<time>").split("\n").slice(1)).toEqual([
      `1   1        counts  3     FAILED (1 of 1 expectations)  <time>  ${userInfo().username}`,
      "",
      "Failed expectations:",
      "  #1 counts on species@1:",
      '    ✗ values of "n" ≥ 100',
      '        observed: {"min":68,"max":152} — 1 offending rows',
      "",
    ]);
  });
});
