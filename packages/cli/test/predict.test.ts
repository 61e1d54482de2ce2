import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre } from "../../sdk/src/index.js";
import { featureNames, logregOnnx, logregSignature } from "../../sdk/test/support/logreg-model.js";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { batchFromColumns, ModelRuntime } from "../../serving/src/index.js";
import { gyreCli } from "./support/spawn-cli.js";

const FEATURES = 20;
const ROWS = 100_000;
const NAMES = featureNames(FEATURES);

let server: TestServer;
let work: string;
let gyre: Gyre;
let modelDir: string;
/** Column-major feature values of the generated data, and the in-process runtime's predictions. */
let features: Record<string, Float64Array>;
let expected: Float32Array;

/**
 * Deterministic, varied values: quarter steps (exact in binary) mixed with six-decimal fractions,
 * which DuckDB's CSV reader and JS both parse to the nearest double.
 */
function value(row: number, column: number): number {
  const hash = (Math.imul(row + 1, 2_654_435_761) ^ Math.imul(column + 7, 40_503)) >>> 0;
  return row % 3 === 0
    ? ((hash % 33) - 16) / 4
    : Number((((hash % 2_000_001) - 1_000_000) / 250_000).toFixed(6));
}

function writeCsv(
  file: string,
  columns: readonly string[],
  cell: (row: number, column: string) => string,
): void {
  const lines = [`id,segment,${columns.join(",")}`];
  for (let r = 0; r < ROWS; r++)
    lines.push(`${r},${r % 2 ? "retail" : "smb"},${columns.map((c) => cell(r, c)).join(",")}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
}

beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  work = mkdtempSync(join(tmpdir(), "gyre-cli-predict-"));
  gyre = new Gyre({ trackingUri: server.baseUrl });
  const run = await gyre.startRun({ experiment: "churn" });
  const uri = await run.logModel(logregOnnx(FEATURES), { signature: logregSignature(FEATURES) });
  await run.end();
  await gyre.registerModel(uri, "churn");
  await gyre.setAlias("churn", "champion", 1);

  features = Object.fromEntries(
    NAMES.map((name, c) => [name, Float64Array.from({ length: ROWS }, (_, r) => value(r, c))]),
  );
  writeCsv(join(work, "data.csv"), NAMES, (r, c) => String(features[c]![r]));

  // The reference: the very runtime `gyre serve` uses, in this process, over every row at once.
  modelDir = await gyre.downloadModel(uri, join(work, "model"));
  const runtime = await ModelRuntime.load(modelDir);
  try {
    expected = (await runtime.predict(batchFromColumns(runtime.schema, features))).outputs[0]!
      .data as Float32Array;
  } finally {
    await runtime.release();
  }
}, 120_000);
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

async function query(sql: string): Promise<{ names: string[]; columns: unknown[][] }> {
  const instance = await DuckDBInstance.create();
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return { names: reader.columnNames(), columns: reader.getColumns() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Every scored row: ids and segments pass through, features are untouched, predictions equal the runtime's. */
async function expectScored(file: string, reader: string): Promise<void> {
  const { names, columns } = await query(`SELECT * FROM ${reader}('${file}')`);
  expect(names).toEqual(["id", "segment", ...NAMES, "probability"]);
  const [ids, segments] = columns;
  expect(ids!.length).toBe(ROWS);
  const mismatches: string[] = [];
  for (let r = 0; r < ROWS && mismatches.length < 5; r++) {
    if (Number(ids![r]) !== r || segments![r] !== (r % 2 ? "retail" : "smb"))
      mismatches.push(`row ${r}: id/segment`);
    NAMES.forEach((name, c) => {
      if (columns[c + 2]![r] !== features[name]![r]) mismatches.push(`row ${r}: ${name}`);
    });
    // Float32 values read back as doubles are exact; CSV and JSON text parses back to the same float32.
    if (Math.fround(Number(columns[FEATURES + 2]![r])) !== expected[r]) {
      mismatches.push(`row ${r}: probability ${columns[FEATURES + 2]![r]} ≠ ${expected[r]}`);
    }
  }
  expect(mismatches).toEqual([]);
}

const remote = (...args: string[]) => gyreCli([...args, "--tracking-uri", server.baseUrl], {});

describe("gyre predict", () => {
  it("scores 100,000 CSV rows into Parquet exactly as the in-process runtime does", async () => {
    const output = join(work, "preds.parquet");
    const result = await remote(
      "predict",
      "models:/churn@champion",
      "--input",
      join(work, "data.csv"),
      "--output",
      output,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^Scored 100,000 rows with churn version 1 in \\S+ \\([\\d,]+ rows/s\\) → ${output}\\n$`),
    );
    // Not a terminal: plain lines, no bar.
    expect(result.stderr.startsWith("predict: scoring data.csv with churn version 1\n")).toBe(true);
    expect(result.stderr.endsWith(`predict: writing ${output}\n`)).toBe(true);
    expect(result.stderr).not.toContain("\r");
    await expectScored(output, "read_parquet");
  }, 90_000);

  it("reads Parquet and writes CSV and JSON Lines, in small batches", async () => {
    const input = join(work, "data.parquet");
    await query(`COPY (SELECT * FROM read_csv('${join(work, "data.csv")}')) TO '${input}' (FORMAT parquet)`);
    const csv = join(work, "preds.csv");
    expect(
      (await remote("predict", "models:/churn/1", "--input", input, "--output", csv, "--batch-rows", "3000"))
        .code,
    ).toBe(0);
    await expectScored(csv, "read_csv");
    const jsonl = join(work, "preds.jsonl");
    expect((await remote("predict", "models:/churn/latest", "--input", input, "--output", jsonl)).code).toBe(
      0,
    );
    await expectScored(jsonl, "read_json");
  }, 90_000);

  it("scores a CSV without rows, or with an empty column, whose columns DuckDB reads as text", async () => {
    // A header alone, or a column with no values at all, holds no text that fails to be a number.
    writeFileSync(join(work, "header-only.csv"), `id,segment,${NAMES.join(",")}\n`);
    const empty = join(work, "empty-preds.csv");
    const none = await remote(
      "predict",
      "models:/churn/1",
      "--input",
      join(work, "header-only.csv"),
      "--output",
      empty,
    );
    expect([none.code, none.stdout.split(" in ")[0]]).toEqual([0, "Scored 0 rows with churn version 1"]);
    expect((await query(`SELECT * FROM read_csv('${empty}')`)).names).toEqual([
      "id",
      "segment",
      ...NAMES,
      "probability",
    ]);

    const cells = (r: number) => NAMES.map((n) => (n === "x3" ? "" : String(r % 4))).join(",");
    writeFileSync(
      join(work, "no-x3.csv"),
      `id,segment,${NAMES.join(",")}\n0,smb,${cells(0)}\n1,smb,${cells(1)}\n`,
    );
    const gaps = join(work, "no-x3-preds.jsonl");
    const result = await remote(
      "predict",
      "models:/churn/1",
      "--input",
      join(work, "no-x3.csv"),
      "--output",
      gaps,
    );
    expect([result.code, result.stdout.split(" in ")[0]]).toEqual([0, "Scored 2 rows with churn version 1"]);
  }, 90_000);

  it("scores with a model from a store opened in-process, and with a local model directory", async () => {
    const home = mkdtempSync(join(tmpdir(), "gyre-cli-predict-home-"));
    try {
      const local = (...args: string[]) => gyreCli(args, { GYRE_HOME: home });
      expect((await local("models", "register", modelDir, "--name", "offline")).code).toBe(0);
      const output = join(home, "preds.parquet");
      const result = await local(
        "predict",
        "models:/offline/1",
        "--input",
        join(work, "data.csv"),
        "--output",
        output,
      );
      expect([result.code, result.stdout.split(" in ")[0]]).toEqual([
        0,
        "Scored 100,000 rows with offline version 1",
      ]);
      await expectScored(output, "read_parquet");

      const fromDir = join(home, "from-dir.parquet");
      const direct = await gyreCli(
        ["predict", modelDir, "--input", join(work, "data.csv"), "--output", fromDir],
        {},
      );
      expect([direct.code, direct.stdout.split(" in ")[0]]).toEqual([0, "Scored 100,000 rows with model"]);
      await expectScored(fromDir, "read_parquet");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("gyre predict errors", () => {
  beforeAll(async () => {
    const withoutX7 = NAMES.filter((n) => n !== "x7");
    writeFileSync(
      join(work, "no-x7.csv"),
      `id,segment,${withoutX7.join(",")}\n1,smb,${withoutX7.map(() => "0.5").join(",")}\n`,
    );
    // Row 4322 (1-based) breaks each file: text in a double column, an empty cell in a long column.
    const rows = (bad: string) =>
      Array.from(
        { length: 5000 },
        (_, r) => `${r},smb,${NAMES.map((n) => (r === 4321 && n === "x3" ? bad : "1")).join(",")}`,
      );
    writeFileSync(join(work, "text.csv"), `id,segment,${NAMES.join(",")}\n${rows('"n/a"').join("\n")}\n`);
    writeFileSync(join(work, "gap.csv"), `id,segment,${NAMES.join(",")}\n${rows("").join("\n")}\n`);
    // The same graph, declared to take whole numbers: a missing one has no value it could take.
    const run = await gyre.startRun({ experiment: "churn" });
    const signature = {
      ...logregSignature(FEATURES),
      inputs: NAMES.map((name) => ({ name, type: "long" as const })),
    };
    await gyre.registerModel(await run.logModel(logregOnnx(FEATURES), { signature }), "counts");
    await run.end();
  });

  const score = (uri: string, input: string, ...args: string[]) =>
    remote("predict", uri, "--input", join(work, input), "--output", join(work, "never.parquet"), ...args);

  it("names a missing column", async () => {
    const result = await score("models:/churn@champion", "no-x7.csv");
    expect([result.code, result.stderr]).toEqual([
      1,
      "predict: scoring no-x7.csv with churn version 1\n" +
        "error: Missing column 'x7' (expected double) in no-x7.csv; its columns are id, segment, x0, x1, x2, x3, x4, x5, x6, x8, x9, x10, … (21). [INVALID_PARAMETER_VALUE]\n",
    ]);
  });

  it("names a column read as text, with a value that is no number", async () => {
    const result = await score("models:/churn@champion", "text.csv");
    expect(result.stderr.split("\n").at(-2)).toBe(
      `error: Column 'x3' of text.csv holds text such as "n/a"; the model expects double. [INVALID_PARAMETER_VALUE]`,
    );
  });

  it("names the column and the row of a value the signature refuses", async () => {
    const result = await score("models:/counts/1", "gap.csv", "--batch-rows", "2048");
    expect([result.code, result.stderr.split("\n").at(-2)]).toEqual([
      1,
      "error: Invalid value null for column 'x3' at row 4322: expected long. (gap.csv) [INVALID_PARAMETER_VALUE]",
    ]);
    expect(result.stderr).not.toContain("predict: writing");
  });

  it.each([
    ["models:/churn@nope", "error: Registered model alias nope not found. [INVALID_PARAMETER_VALUE]"],
    ["models:/nope/1", "error: Model Version (name=nope, version=1) not found [RESOURCE_DOES_NOT_EXIST]"],
    ["models:/", "error: Not a proper models:/ URI: models:/."],
  ])("reports a bad model URI %s", async (uri, message) => {
    const result = await remote(
      "predict",
      uri,
      "--input",
      join(work, "data.csv"),
      "--output",
      join(work, "x.csv"),
    );
    expect([result.code, result.stdout]).toEqual([1, ""]);
    expect(result.stderr.split("\n").find((line) => line.startsWith("error:"))).toContain(message);
  });

  it.each([
    [
      ["--input", "data.txt", "--output", "p.csv"],
      "error: --input must name a .csv, .parquet or .jsonl file (also .pq, .ndjson), got 'data.txt'",
    ],
    [
      ["--input", "data.csv", "--output", "p.xlsx"],
      "error: --output must name a .csv, .parquet or .jsonl file (also .pq, .ndjson), got 'p.xlsx'",
    ],
    [["--output", "p.csv"], "error: missing --input"],
    [
      ["--input", "data.csv", "--output", "p.csv", "--batch-rows", "0"],
      "error: --batch-rows must be an integer from 1 to 10000000, got '0'",
    ],
  ])("gyre predict %j is a usage error", async (args, message) => {
    const result = await remote(
      "predict",
      "models:/churn/1",
      ...args.map((a) => (a === "data.csv" ? join(work, a) : a)),
    );
    expect([result.code, result.stderr.split("\n")[0]]).toEqual([2, message]);
    expect(result.stderr).toContain("Usage: gyre predict MODEL_URI [options]");
  });

  it("takes a malformed MODEL_URI or a missing model directory as a usage error, as gyre serve does", async () => {
    const run = (uri: string) =>
      remote("predict", uri, "--input", join(work, "data.csv"), "--output", join(work, "x.csv"));
    const [scheme, missing] = await Promise.all([run("modelz:/churn/1"), run(join(work, "no-such-dir"))]);
    expect([scheme.code, scheme.stderr.split("\n")[0]]).toEqual([
      2,
      "error: MODEL_URI must be models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a model directory, got 'modelz:/churn/1'",
    ]);
    expect([missing.code, missing.stderr.split("\n")[0]]).toEqual([
      2,
      `error: no model directory at ${join(work, "no-such-dir")}`,
    ]);
  });

  it("reports a missing input file", async () => {
    const result = await remote(
      "predict",
      "models:/churn/1",
      "--input",
      join(work, "none.csv"),
      "--output",
      join(work, "x.csv"),
    );
    expect([result.code, result.stderr]).toEqual([
      1,
      `error: No such input file: ${join(work, "none.csv")} [RESOURCE_DOES_NOT_EXIST]\n`,
    ]);
    const empty = join(work, "empty.csv");
    writeFileSync(empty, "");
    const refused = await remote(
      "predict",
      "models:/churn/1",
      "--input",
      empty,
      "--output",
      join(work, "y.csv"),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `error: --input ${empty} is empty (0 bytes): it needs at least a header or a schema`,
    );
  });
});
