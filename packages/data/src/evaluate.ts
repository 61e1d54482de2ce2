import type { Expectation, ExpectationResult, ExpectationSuite, ValidationResult } from "@gyre/core";
import { describeExpectation } from "./describe.js";
import { DEFAULT_DRIFT_SHARE, detectDrift } from "./drift/drift.js";
import { firstLine } from "./engine.js";
import { isNumeric, type TableColumn, typeMatches } from "./schema.js";
import { doubleLiteral, ident, scalarLiteral, stringLiteral } from "./sql.js";
import { findColumn, type Table } from "./table.js";
import { jsonProjection, jsonRows, jsonValue, statExpression, toNullableNumber, toNumber } from "./values.js";

/** Offending rows kept per failed expectation unless the suite says otherwise. */
export const DEFAULT_SAMPLE_SIZE = 5;
/** Values outside a set reported as the observed value of values_in_set. */
const OBSERVED_VALUES = 20;

export interface EvaluateOptions {
  /** The reference tables the suite's no_drift expectations name, keyed by `name@version`. */
  references?: ReadonlyMap<string, Table>;
  /** The reference of no_drift expectations that name none. */
  defaultReference?: string;
}

type Outcome = Omit<ExpectationResult, "expectation" | "description">;

interface Context {
  table: Table;
  rows: number;
  sampleSize: number;
  options: EvaluateOptions;
}

/** The references a suite needs: each no_drift expectation's own, else the default. */
export function suiteReferences(suite: ExpectationSuite, defaultReference?: string): string[] {
  const refs = suite.expectations.flatMap((e) =>
    e.kind === "no_drift" ? [e.reference ?? defaultReference].filter((r) => r !== undefined) : [],
  );
  return [...new Set(refs)];
}

/**
 * Evaluates every expectation of the suite against the table. An expectation that cannot be
 * evaluated (its column is absent, its pattern is invalid) fails with an `error` rather than
 * stopping the others, so one report names every problem at once.
 */
export async function evaluateSuite(
  table: Table,
  suite: ExpectationSuite,
  options: EvaluateOptions = {},
): Promise<ValidationResult> {
  const rows = toNumber((await table.engine.one(`SELECT count(*) AS n FROM ${table.relation}`)).n);
  const context: Context = { table, rows, sampleSize: suite.sample_size ?? DEFAULT_SAMPLE_SIZE, options };
  const results: ExpectationResult[] = [];
  for (const expectation of suite.expectations) {
    const outcome = await evaluateOne(context, expectation).catch(
      (error: unknown): Outcome => ({ success: false, observed: null, error: firstLine(error) }),
    );
    results.push({ expectation, description: describeExpectation(expectation), ...outcome });
  }
  const failed = results.filter((r) => !r.success).length;
  return { suite: suite.name, success: failed === 0, rows, evaluated: results.length, failed, results };
}

class EvaluationError extends Error {}

function requireColumn(context: Context, name: string): TableColumn {
  const column = findColumn(context.table, name);
  if (!column) throw new EvaluationError(`column "${name}" does not exist`);
  return column;
}

function within(value: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

async function evaluateOne(context: Context, e: Expectation): Promise<Outcome> {
  switch (e.kind) {
    case "column_exists": {
      const column = findColumn(context.table, e.column);
      const observed = column?.type ?? null;
      return {
        success: column !== undefined && (e.type === undefined || typeMatches(column.type, e.type)),
        observed,
      };
    }
    case "missing_share": {
      const column = requireColumn(context, e.column);
      const bad = `${statExpression(column)} IS NULL`;
      const { count, sample } = await offending(context, bad);
      const share = context.rows === 0 ? 0 : count / context.rows;
      return {
        success: share <= e.max,
        observed: share,
        unexpected_count: count,
        unexpected_share: share,
        ...sample,
      };
    }
    case "values_in_range": {
      const column = requireColumn(context, e.column);
      if (!isNumeric(column.family))
        throw new EvaluationError(`column "${e.column}" is ${column.type}, not numeric`);
      const v = statExpression(column);
      const tests = [
        e.min === undefined ? undefined : `${v} < ${doubleLiteral(e.min)}`,
        e.max === undefined ? undefined : `${v} > ${doubleLiteral(e.max)}`,
      ].filter((t) => t !== undefined);
      const stats = await context.table.engine.one(
        `SELECT CAST(min(${v}) AS DOUBLE) AS lo, CAST(max(${v}) AS DOUBLE) AS hi FROM ${context.table.relation}`,
      );
      return predicateOutcome(context, column, `(${tests.join(" OR ")})`, {
        min: jsonValue(stats.lo),
        max: jsonValue(stats.hi),
      });
    }
    case "values_in_set": {
      const column = requireColumn(context, e.column);
      const [value, literals] = setComparison(column, e.values);
      const bad = `${value} IS NOT NULL AND ${value} NOT IN (${literals.join(", ")})`;
      const outside = await context.table.engine.all(
        `SELECT v FROM (SELECT ${value} AS v, count(*) AS n FROM ${context.table.relation} WHERE ${bad} GROUP BY ALL)
         ORDER BY n DESC, v ASC LIMIT ${OBSERVED_VALUES}`,
      );
      return predicateOutcome(
        context,
        column,
        bad,
        outside.map((r) => jsonValue(r.v)),
      );
    }
    case "unique":
      return uniqueOutcome(context, requireColumn(context, e.column));
    case "regex": {
      const column = requireColumn(context, e.column);
      const pattern = stringLiteral(e.pattern);
      // An invalid pattern fails here, before any scan, with RE2's own explanation.
      await context.table.engine
        .one(`SELECT regexp_matches('', ${pattern}) AS ok`)
        .catch((error: unknown) => {
          throw new EvaluationError(`invalid pattern /${e.pattern}/: ${firstLine(error)}`);
        });
      const text = `CAST(${statExpression(column)} AS VARCHAR)`;
      const bad = `${text} IS NOT NULL AND NOT regexp_matches(${text}, ${pattern})`;
      return predicateOutcome(context, column, bad);
    }
    case "row_count":
      return { success: within(context.rows, e.min, e.max), observed: context.rows };
    case "mean_between":
    case "std_between": {
      const column = requireColumn(context, e.column);
      if (!isNumeric(column.family))
        throw new EvaluationError(`column "${e.column}" is ${column.type}, not numeric`);
      const fn = e.kind === "mean_between" ? "avg" : "stddev_samp";
      const row = await context.table.engine.one(
        `SELECT ${fn}(CAST(${statExpression(column)} AS DOUBLE)) AS x FROM ${context.table.relation}`,
      );
      const observed = toNullableNumber(row.x);
      if (observed === null)
        throw new EvaluationError(
          `column "${e.column}" has too few values for a ${fn === "avg" ? "mean" : "standard deviation"}`,
        );
      return { success: within(observed, e.min, e.max), observed };
    }
    case "no_drift":
      return driftOutcome(context, e);
  }
}

/** The column compared as its own type, and the set's members as literals of that type. */
function setComparison(
  column: TableColumn,
  values: readonly (string | number | boolean)[],
): [string, string[]] {
  const v = statExpression(column);
  if (column.family === "string") return [v, values.map((x) => stringLiteral(String(x)))];
  if (isNumeric(column.family) || column.family === "boolean") {
    const expected = column.family === "boolean" ? "boolean" : "number";
    const wrong = values.find((x) => typeof x !== expected);
    if (wrong !== undefined) {
      throw new EvaluationError(
        `${JSON.stringify(wrong)} cannot equal a value of "${column.name}" (${column.type})`,
      );
    }
    return [v, values.map(scalarLiteral)];
  }
  return [`CAST(${v} AS VARCHAR)`, values.map((x) => stringLiteral(String(x)))];
}

/** Count and first rows matching `bad` (a SQL condition); DuckDB stops reading at the sample's end. */
async function offending(context: Context, bad: string, order?: string) {
  const { table, sampleSize } = context;
  const counted = await table.engine.one(`SELECT count(*) AS n FROM ${table.relation} WHERE ${bad}`);
  const count = toNumber(counted.n);
  if (count === 0 || sampleSize === 0) return { count, sample: {} };
  const rows = await table.engine.all(
    `SELECT ${jsonProjection(table.columns)} FROM ${table.relation} WHERE ${bad}${order ? ` ORDER BY ${order}` : ""} LIMIT ${sampleSize}`,
  );
  return { count, sample: { sample: jsonRows(rows) } };
}

/** A row-by-row rule over non-missing values: the share is of the column's non-missing values. */
async function predicateOutcome(
  context: Context,
  column: TableColumn,
  bad: string,
  observed?: unknown,
): Promise<Outcome> {
  const v = statExpression(column);
  const { count, sample } = await offending(context, `${v} IS NOT NULL AND (${bad})`);
  const present = toNumber(
    (await context.table.engine.one(`SELECT count(${v}) AS n FROM ${context.table.relation}`)).n,
  );
  const share = present === 0 ? 0 : count / present;
  return {
    success: count === 0,
    observed: observed ?? count,
    unexpected_count: count,
    unexpected_share: share,
    ...sample,
  };
}

/** Rows whose value occurs more than once; the sample is sorted by value so duplicates sit together. */
async function uniqueOutcome(context: Context, column: TableColumn): Promise<Outcome> {
  const v = statExpression(column);
  const duplicated = `${v} IN (SELECT d FROM (SELECT ${v} AS d FROM ${context.table.relation}) WHERE d IS NOT NULL GROUP BY d HAVING count(*) > 1)`;
  const { count, sample } = await offending(context, duplicated, ident(column.name));
  const present = toNumber(
    (await context.table.engine.one(`SELECT count(${v}) AS n FROM ${context.table.relation}`)).n,
  );
  return {
    success: count === 0,
    observed: count,
    unexpected_count: count,
    unexpected_share: present === 0 ? 0 : count / present,
    ...sample,
  };
}

async function driftOutcome(
  context: Context,
  e: Extract<Expectation, { kind: "no_drift" }>,
): Promise<Outcome> {
  const referenceName = e.reference ?? context.options.defaultReference;
  if (!referenceName) {
    throw new EvaluationError(
      "no reference to compare with: give the expectation a 'reference' or the validation one",
    );
  }
  const reference = context.options.references?.get(referenceName);
  if (!reference) throw new EvaluationError(`reference ${referenceName} was not provided`);
  const drift = await detectDrift(reference, context.table, {
    referenceName,
    columns: e.columns,
    driftShare: e.drift_share ?? DEFAULT_DRIFT_SHARE,
  });
  if (drift.columns.length === 0) {
    return { success: false, observed: null, drift, error: "no column could be tested for drift" };
  }
  return { success: drift.drifted_share < drift.drift_share, observed: drift.drifted_share, drift };
}
