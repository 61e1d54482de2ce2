import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeFiles, listDataFiles, materializeQuery } from "../src/index.js";
import { scratchDir } from "./support/fixtures.js";

const scratch = scratchDir();
afterAll(() => scratch.dispose());

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a failure");
}

describe("reading data files", () => {
  it("reads a directory of CSV, Parquet and JSON lines as one table, by column name", async () => {
    const dir = join(scratch.dir, "mixed");
    mkdirSync(join(dir, "nested"), { recursive: true });
    scratch.write("mixed/a.csv", "x,y\n1,a\n");
    scratch.write("mixed/nested/b.jsonl", '{"y":"b","x":2}\n');
    scratch.write("mixed/_SUCCESS", "");
    scratch.write("mixed/.hidden.csv", "garbage");
    await materializeQuery(
      await listDataFiles(join(dir, "a.csv")),
      "SELECT 3 AS x, 'c' AS y",
      join(dir, "c.parquet"),
    );
    const files = await listDataFiles(dir);
    expect(files.map((f) => [f.relative, f.format])).toEqual([
      ["a.csv", "csv"],
      ["c.parquet", "parquet"],
      ["nested/b.jsonl", "json"],
    ]);
    const { rows, profile } = await analyzeFiles(files);
    expect(rows).toBe(3);
    expect(profile.columns.map((c) => [c.name, c.min, c.max])).toEqual([
      ["x", 1, 3],
      ["y", "a", "c"],
    ]);
  });

  it("names the path that is missing or not data", async () => {
    expect(await failure(listDataFiles(join(scratch.dir, "nope.csv")))).toBe(
      `Path '${join(scratch.dir, "nope.csv")}' does not exist.`,
    );
    const notes = scratch.write("notes.txt", "hello");
    expect(await failure(listDataFiles(notes))).toContain(
      `'${notes}' is not a data file: supported extensions are .csv`,
    );
    mkdirSync(join(scratch.dir, "empty"));
    expect(await failure(listDataFiles(join(scratch.dir, "empty")))).toContain("holds no data files");
    const blank = scratch.write("blank.csv", "");
    expect(await failure(listDataFiles(blank))).toBe(
      `'${blank}' is empty (0 bytes): a data file needs at least a header or a schema.`,
    );
    mkdirSync(join(scratch.dir, "with-blank", "part"), { recursive: true });
    scratch.write("with-blank/a.csv", "x\n1\n");
    scratch.write("with-blank/part/b.csv", "");
    expect(await failure(listDataFiles(join(scratch.dir, "with-blank")))).toBe(
      "'part/b.csv' is empty (0 bytes): a data file needs at least a header or a schema.",
    );
    // A header alone is a dataset of no rows, not an error.
    const headerOnly = scratch.write("header-only.csv", "x,y\n");
    expect((await listDataFiles(headerOnly)).map((f) => f.relative)).toEqual(["header-only.csv"]);
  });

  it("keeps a query inside its files' directory and refuses anything but one SELECT", async () => {
    const files = await listDataFiles(scratch.write("q.csv", "x\n1\n"));
    const out = join(scratch.dir, "q.parquet");
    expect(await failure(materializeQuery(files, "SELECT * FROM read_csv('/etc/hostname')", out))).toContain(
      "file system operations are disabled by configuration",
    );
    expect(await failure(materializeQuery(files, "SELECT 1; SELECT 2", out))).toBe(
      "The SQL must be one SELECT statement, got 2 statements.",
    );
    expect(await failure(materializeQuery(files, "SELEC x FROM source", out))).toContain(
      'Parser Error: syntax error at or near "SELEC"',
    );
    await materializeQuery(files, "SELECT x * 2 AS doubled FROM source", out);
    const { profile } = await analyzeFiles(await listDataFiles(out));
    expect(profile.columns[0]).toMatchObject({ name: "doubled", type: "BIGINT", min: 2, max: 2 });
  });
});
