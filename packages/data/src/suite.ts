import { type Expectation, parseExpectationSuite } from "@gyre/core";

/** Suites written as JSON are validated by core's schema (shared with the server and the CLI). */
export { parseExpectationSuite as parseSuite, parseExpectationSuiteJson as parseSuiteJson } from "@gyre/core";

type Bounds = { min?: number; max?: number };
type Named = { name?: string };

/**
 * Builders for suites written in TypeScript; each returns the same object the JSON form holds,
 * so a suite can be built in code, saved as JSON and read back unchanged.
 */
export const expect = {
  columnExists: (column: string, options: { type?: string } & Named = {}): Expectation => ({
    kind: "column_exists",
    column,
    ...options,
  }),
  missingShareAtMost: (column: string, max: number, options: Named = {}): Expectation => ({
    kind: "missing_share",
    column,
    max,
    ...options,
  }),
  valuesInRange: (column: string, bounds: Bounds & Named): Expectation => ({
    kind: "values_in_range",
    column,
    ...bounds,
  }),
  valuesInSet: (column: string, values: (string | number | boolean)[], options: Named = {}): Expectation => ({
    kind: "values_in_set",
    column,
    values,
    ...options,
  }),
  unique: (column: string, options: Named = {}): Expectation => ({ kind: "unique", column, ...options }),
  matches: (column: string, pattern: string | RegExp, options: Named = {}): Expectation => ({
    kind: "regex",
    column,
    pattern: typeof pattern === "string" ? pattern : pattern.source,
    ...options,
  }),
  rowCount: (bounds: Bounds & Named): Expectation => ({ kind: "row_count", ...bounds }),
  meanBetween: (column: string, bounds: Bounds & Named): Expectation => ({
    kind: "mean_between",
    column,
    ...bounds,
  }),
  stdBetween: (column: string, bounds: Bounds & Named): Expectation => ({
    kind: "std_between",
    column,
    ...bounds,
  }),
  noDrift: (
    options: { columns?: string[]; reference?: string; drift_share?: number } & Named = {},
  ): Expectation => ({
    kind: "no_drift",
    ...options,
  }),
};

/** A suite from builders, validated as the JSON form would be. */
export function defineSuite(
  name: string,
  expectations: Expectation[],
  options: { sample_size?: number } = {},
) {
  return parseExpectationSuite({ name, expectations, ...options });
}
