import { type ColumnProfile, type DatasetProfile, PROFILE_QUANTILES } from "@gyre/core";
import { binEdges, bucketExpression, countsFromMap, PROFILE_BINS } from "./histogram.js";
import { isNumeric, type TableColumn } from "./schema.js";
import type { Table } from "./table.js";
import { jsonOf, jsonValue, statExpression, toNullableNumber, toNumber } from "./values.js";

/** Up to this many distinct values (by the estimate) a column's distinct count is exact. */
export const EXACT_DISTINCT_LIMIT = 100_000;
/** Above this many rows quantiles come from DuckDB's t-digest sketch instead of a full sort. */
export const EXACT_QUANTILE_ROWS = 10_000_000;
/** Top categories kept per column. */
export const TOP_VALUES = 10;

type Scalar = string | number | boolean;

interface Aggregates {
  present: number;
  estimate: number;
  min: Scalar | null;
  max: Scalar | null;
  mean: number | null;
  std: number | null;
  quantiles: number[] | null;
}

/**
 * The profile of every column: missing, distinct, min/max, mean/std, quantiles, a 10-bin
 * histogram and the top values. One scan computes the per-column aggregates of all columns, one
 * more the exact distinct counts, one the histograms; top values take one grouped scan per
 * column. Figures follow pandas/numpy conventions (sample std, linear quantiles,
 * numpy.histogram bins) so they can be checked against them.
 */
export async function profileTable(table: Table, rows: number): Promise<DatasetProfile> {
  const aggregates = await columnAggregates(table, rows);
  const distinct = await distinctCounts(table, aggregates);
  const bins = await histograms(table, aggregates);
  const columns: ColumnProfile[] = [];
  for (const [i, column] of table.columns.entries()) {
    const a = aggregates[i]!;
    columns.push({
      name: column.name,
      type: column.type,
      missing: rows - a.present,
      distinct: distinct[i]!,
      min: a.min,
      max: a.max,
      mean: a.mean,
      std: a.std,
      quantiles: a.quantiles && PROFILE_QUANTILES.map((q, k) => ({ q, value: a.quantiles![k]! })),
      histogram: bins[i] ?? null,
      top: await topValues(table, column),
    });
  }
  return { rows, columns };
}

/** min/max are compared in the column's own type (numbers as numbers, text as text). */
function minMaxExpression(column: TableColumn, fn: "min" | "max"): string | undefined {
  if (column.family === "other") return undefined;
  const value = statExpression(column);
  if (isNumeric(column.family)) return `CAST(${fn}(${value}) AS DOUBLE)`;
  if (column.family === "string" || column.family === "boolean") return `${fn}(${value})`;
  return `CAST(${fn}(${value}) AS VARCHAR)`;
}

async function columnAggregates(table: Table, rows: number): Promise<Aggregates[]> {
  const quantile = rows > EXACT_QUANTILE_ROWS ? "approx_quantile" : "quantile_cont";
  const levels = `[${PROFILE_QUANTILES.join(", ")}]`;
  const select: string[] = [];
  for (const [i, column] of table.columns.entries()) {
    const v = statExpression(column);
    select.push(`count(${v}) AS p${i}`, `approx_count_distinct(${v}) AS d${i}`);
    const min = minMaxExpression(column, "min");
    const max = minMaxExpression(column, "max");
    if (min && max) select.push(`${min} AS lo${i}`, `${max} AS hi${i}`);
    if (isNumeric(column.family)) {
      const x = `CAST(${v} AS DOUBLE)`;
      select.push(
        `avg(${x}) AS m${i}`,
        `stddev_samp(${x}) AS s${i}`,
        `${quantile}(${x}, ${levels}) AS q${i}`,
      );
    }
  }
  const row = await table.engine.one(`SELECT ${select.join(", ")} FROM ${table.relation}`);
  return table.columns.map((column, i) => {
    const present = toNumber(row[`p${i}`]);
    const numeric = isNumeric(column.family) && present > 0;
    const quantiles = row[`q${i}`];
    return {
      present,
      estimate: toNumber(row[`d${i}`]),
      min: scalarOrNull(row[`lo${i}`]),
      max: scalarOrNull(row[`hi${i}`]),
      mean: numeric ? toNullableNumber(row[`m${i}`]) : null,
      // One value has no sample deviation; pandas gives NaN, JSON gets null.
      std: numeric ? toNullableNumber(row[`s${i}`]) : null,
      quantiles: numeric && Array.isArray(quantiles) ? quantiles.map((q) => toNumber(q)) : null,
    };
  });
}

function scalarOrNull(value: unknown): Scalar | null {
  const json = jsonValue(value);
  return json === null ? null : json;
}

/** Exact counts where the HyperLogLog estimate is small enough to count exactly at little cost. */
async function distinctCounts(table: Table, aggregates: Aggregates[]): Promise<number[]> {
  const exact = table.columns
    .map((column, i) => ({ column, i }))
    .filter(({ i }) => aggregates[i]!.estimate <= EXACT_DISTINCT_LIMIT && aggregates[i]!.present > 0);
  const counts = aggregates.map((a) => (a.present === 0 ? 0 : a.estimate));
  if (exact.length === 0) return counts;
  const select = exact.map(({ column, i }) => `count(DISTINCT ${statExpression(column)}) AS c${i}`);
  const row = await table.engine.one(`SELECT ${select.join(", ")} FROM ${table.relation}`);
  for (const { i } of exact) counts[i] = toNumber(row[`c${i}`]);
  return counts;
}

async function histograms(
  table: Table,
  aggregates: Aggregates[],
): Promise<(ColumnProfile["histogram"] | undefined)[]> {
  const plans = table.columns.flatMap((column, i) => {
    const a = aggregates[i]!;
    if (!isNumeric(column.family) || typeof a.min !== "number" || typeof a.max !== "number") return [];
    return [
      { i, edges: binEdges(a.min, a.max, PROFILE_BINS), value: `CAST(${statExpression(column)} AS DOUBLE)` },
    ];
  });
  const result: (ColumnProfile["histogram"] | undefined)[] = table.columns.map(() => undefined);
  if (plans.length === 0) return result;
  const select = plans.map((p) => `histogram(${bucketExpression(p.value, p.edges)}) AS h${p.i}`);
  const row = await table.engine.one(`SELECT ${select.join(", ")} FROM ${table.relation}`);
  for (const p of plans)
    result[p.i] = { edges: p.edges, counts: countsFromMap(row[`h${p.i}`], PROFILE_BINS) };
  return result;
}

/** The most frequent values, ties broken by the smaller value so the list is deterministic. */
async function topValues(table: Table, column: TableColumn): Promise<ColumnProfile["top"]> {
  const value = jsonOf(statExpression(column), column);
  // Aggregated in a subquery first, so ORDER BY can only mean the aggregate's v and n, never a data column.
  const rows = await table.engine.all(
    `SELECT v, n FROM (SELECT ${value} AS v, count(*) AS n FROM ${table.relation}
                       WHERE ${statExpression(column)} IS NOT NULL GROUP BY ALL)
     ORDER BY n DESC, v ASC LIMIT ${TOP_VALUES}`,
  );
  return rows.flatMap((row) => {
    const v = jsonValue(row.v);
    return v === null ? [] : [{ value: v, count: toNumber(row.n) }];
  });
}
