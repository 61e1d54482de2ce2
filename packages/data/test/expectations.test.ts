import type { Expectation, ExpectationResult } from "@gyre/core";
import { afterAll, expect as assert, describe, it } from "vitest";
import { listDataFiles, parseSuite, validateFiles } from "../src/index.js";
import { scratchDir } from "./support/fixtures.js";

/**
 * Each expectation passing and failing on a six-row table whose figures are known by hand:
 * the observed value, the offending-row count and the sample of offending rows.
 */
const scratch = scratchDir();
afterAll(() => scratch.dispose());

const TABLE = `id,name,score,grade,email
1,ada,0.5,A,ada@example.com
2,bob,1.5,B,bob@example
3,cyd,,C,cyd@example.com
4,dee,9.0,A,dee@example.com
5,eve,2.0,Z,not-an-email
5,fay,3.0,B,fay@example.com
`;
const row = (id: number, name: string, score: number | null, grade: string, email: string) => ({
  id,
  name,
  score,
  grade,
  email,
});
const ROWS = [
  row(1, "ada", 0.5, "A", "ada@example.com"),
  row(2, "bob", 1.5, "B", "bob@example"),
  row(3, "cyd", null, "C", "cyd@example.com"),
  row(4, "dee", 9, "A", "dee@example.com"),
  row(5, "eve", 2, "Z", "not-an-email"),
  row(5, "fay", 3, "B", "fay@example.com"),
];

async function check(expectation: Expectation): Promise<ExpectationResult> {
  const files = await listDataFiles(scratch.write("table.csv", TABLE));
  const result = await validateFiles(files, parseSuite({ name: "t", expectations: [expectation] }));
  assert(result.rows).toBe(6);
  return result.results[0]!;
}

describe("expectations", () => {
  it("column_exists: by DuckDB type name or family; an absent column is observed as null", async () => {
    assert(await check({ kind: "column_exists", column: "score", type: "float" })).toMatchObject({
      success: true,
      observed: "DOUBLE",
    });
    assert(await check({ kind: "column_exists", column: "id", type: "BIGINT" })).toMatchObject({
      success: true,
    });
    assert(await check({ kind: "column_exists", column: "score", type: "string" })).toMatchObject({
      success: false,
      observed: "DOUBLE",
      description: 'column "score" exists with type string',
    });
    assert(await check({ kind: "column_exists", column: "age" })).toMatchObject({
      success: false,
      observed: null,
    });
  });

  it("missing_share: the share of all rows, with the missing rows as the sample", async () => {
    assert(await check({ kind: "missing_share", column: "score", max: 0.2 })).toMatchObject({
      success: true,
      observed: 1 / 6,
    });
    assert(await check({ kind: "missing_share", column: "score", max: 0.1 })).toEqual({
      expectation: { kind: "missing_share", column: "score", max: 0.1 },
      description: 'missing share of "score" ≤ 0.1',
      success: false,
      observed: 1 / 6,
      unexpected_count: 1,
      unexpected_share: 1 / 6,
      sample: [ROWS[2]],
    });
  });

  it("values_in_range: observes the actual range; missing values are not offending", async () => {
    assert(await check({ kind: "values_in_range", column: "score", min: 0, max: 10 })).toMatchObject({
      success: true,
      observed: { min: 0.5, max: 9 },
      unexpected_count: 0,
    });
    assert(await check({ kind: "values_in_range", column: "score", min: 1, max: 5 })).toMatchObject({
      success: false,
      observed: { min: 0.5, max: 9 },
      unexpected_count: 2,
      unexpected_share: 2 / 5,
      sample: [ROWS[0], ROWS[3]],
    });
  });

  it("values_in_set: observes the values outside the set", async () => {
    assert(
      await check({ kind: "values_in_set", column: "grade", values: ["A", "B", "C", "Z"] }),
    ).toMatchObject({
      success: true,
    });
    assert(await check({ kind: "values_in_set", column: "grade", values: ["A", "B", "C"] })).toMatchObject({
      success: false,
      observed: ["Z"],
      unexpected_count: 1,
      sample: [ROWS[4]],
    });
    assert(await check({ kind: "values_in_set", column: "id", values: [1, 2, 3, 4] })).toMatchObject({
      success: false,
      observed: [5],
      unexpected_count: 2,
    });
  });

  it("unique: observes the rows sharing a value, sampled side by side", async () => {
    assert(await check({ kind: "unique", column: "name" })).toMatchObject({ success: true, observed: 0 });
    assert(await check({ kind: "unique", column: "id" })).toMatchObject({
      success: false,
      observed: 2,
      unexpected_count: 2,
      unexpected_share: 2 / 6,
      sample: [ROWS[4], ROWS[5]],
    });
  });

  it("regex: RE2 matched anywhere; the non-matching values offend", async () => {
    assert(await check({ kind: "regex", column: "name", pattern: "^[a-z]{3}$" })).toMatchObject({
      success: true,
    });
    assert(await check({ kind: "regex", column: "email", pattern: "^[^@]+@[^@]+\\.[a-z]+$" })).toMatchObject({
      success: false,
      observed: 2,
      unexpected_count: 2,
      sample: [ROWS[1], ROWS[4]],
    });
  });

  it("row_count, mean_between and std_between observe the figure itself", async () => {
    assert(await check({ kind: "row_count", min: 1, max: 10 })).toMatchObject({ success: true, observed: 6 });
    assert(await check({ kind: "row_count", max: 5 })).toMatchObject({ success: false, observed: 6 });
    // Mean of 0.5, 1.5, 9, 2, 3 (the missing score left out) = 16/5.
    assert(await check({ kind: "mean_between", column: "score", min: 3, max: 3.5 })).toMatchObject({
      success: true,
    });
    const mean = await check({ kind: "mean_between", column: "score", max: 1 });
    assert(mean.success).toBe(false);
    assert(mean.observed).toBeCloseTo(3.2, 12);
    // Squared deviations 7.29 + 2.89 + 33.64 + 1.44 + 0.04 = 45.3, over n − 1 = 4.
    const std = await check({ kind: "std_between", column: "score", min: 4 });
    assert(std.success).toBe(false);
    assert(std.observed).toBeCloseTo(Math.sqrt(45.3 / 4), 12);
    assert(await check({ kind: "std_between", column: "score", min: 3, max: 4 })).toMatchObject({
      success: true,
    });
  });

  it("fails with an error, not a crash, when an expectation cannot be evaluated", async () => {
    assert(await check({ kind: "missing_share", column: "age", max: 0 })).toMatchObject({
      success: false,
      observed: null,
      error: 'column "age" does not exist',
    });
    const pattern = await check({ kind: "regex", column: "name", pattern: "(" });
    assert(pattern.error).toMatch(/^invalid pattern \/\(\/: /);
    assert(await check({ kind: "values_in_set", column: "id", values: ["1"] })).toMatchObject({
      error: '"1" cannot equal a value of "id" (BIGINT)',
    });
    assert(await check({ kind: "mean_between", column: "name", min: 0 })).toMatchObject({
      error: 'column "name" is VARCHAR, not numeric',
    });
    assert(await check({ kind: "no_drift" })).toMatchObject({
      error: "no reference to compare with: give the expectation a 'reference' or the validation one",
    });
  });

  it("evaluates every expectation and counts the failures", async () => {
    const files = await listDataFiles(scratch.write("table.csv", TABLE));
    const result = await validateFiles(
      files,
      parseSuite({
        name: "all",
        sample_size: 1,
        expectations: [
          { kind: "row_count", min: 6 },
          { kind: "unique", column: "id", name: "ids are keys" },
          { kind: "values_in_range", column: "score", max: 5 },
        ],
      }),
    );
    assert(result).toMatchObject({ suite: "all", success: false, rows: 6, evaluated: 3, failed: 2 });
    assert(result.results[1]!.description).toBe('ids are keys: values of "id" unique');
    assert(result.results[1]!.sample).toHaveLength(1);
  });
});

describe("suite JSON", () => {
  it("names the field of each mistake", () => {
    const bad = (value: unknown) => {
      try {
        parseSuite(value, "suite.json");
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected a failure");
    };
    assert(bad({ name: "s", expectations: [{ kind: "missing_share", column: "x", max: 2 }] })).toBe(
      "Invalid expectation suite (suite.json): expectations[0].max: Too big: expected number to be <=1",
    );
    assert(bad({ name: "s", expectations: [{ kind: "row_count", minimum: 1 }] })).toContain(
      'expectations[0]: Unrecognized key: "minimum"',
    );
    assert(bad({ name: "s", expectations: [{ kind: "row_cont" }] })).toContain(
      "expectations[0].kind: Invalid",
    );
    assert(bad({ name: "s", expectations: [{ kind: "values_in_range", column: "x" }] })).toContain(
      "expectations[0].min: give 'min', 'max' or both",
    );
    assert(bad({ expectations: [] })).toContain("name: ");
  });
});
