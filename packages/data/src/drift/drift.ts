import { type ColumnDrift, type DriftReport, encodeDouble } from "@gyre/core";
import { isNumeric, type TableColumn } from "../schema.js";
import { findColumn, type Table } from "../table.js";
import { statExpression, toNumber } from "../values.js";
import { ks2SamplePValue } from "./ks.js";
import { DEFAULT_DRIFT_SHARE } from "./methods.js";
import { driftColumnType, type SelectedTest, selectDriftTest } from "./selection.js";
import { chiSquareTest, jensenShannon, normedWasserstein, type TestOutcome, zTest } from "./statistics.js";

export { DEFAULT_DRIFT_SHARE };

export interface DriftOptions {
  /** `name@version` of the reference, for the report. */
  referenceName: string;
  /** Columns to test; default all columns of the current table that the reference also has. */
  columns?: readonly string[];
  driftShare?: number;
}

/** The two sides of one column, as comparable SQL values (numbers as DOUBLE, text as VARCHAR). */
interface Sides {
  reference: string;
  current: string;
}

type Skip = { column: string; reason: string };

/**
 * Per-column drift of `current` against `reference` with Evidently's default test selection, and
 * the dataset verdict (drifted share ≥ drift share). DuckDB reduces each column to a handful of
 * figures (counts, a maximum ECDF gap, an integral, per-value or per-bin counts), so memory does
 * not grow with the data; only categorical value counts come back to JavaScript.
 */
export async function detectDrift(
  reference: Table,
  current: Table,
  options: DriftOptions,
): Promise<DriftReport> {
  const names = options.columns ?? current.columns.map((c) => c.name);
  const columns: ColumnDrift[] = [];
  const skipped: Skip[] = [];
  for (const name of names) {
    const outcome = await columnDrift(reference, current, name);
    if ("reason" in outcome) skipped.push(outcome);
    else columns.push(outcome);
  }
  const drifted = columns.filter((c) => c.drifted).length;
  return {
    reference: options.referenceName,
    drift_share: options.driftShare ?? DEFAULT_DRIFT_SHARE,
    drifted_share: columns.length === 0 ? 0 : drifted / columns.length,
    columns,
    skipped,
  };
}

async function columnDrift(reference: Table, current: Table, name: string): Promise<ColumnDrift | Skip> {
  const ref = findColumn(reference, name);
  const cur = findColumn(current, name);
  if (!ref) return { column: name, reason: "absent from the reference" };
  if (!cur) return { column: name, reason: "absent from the current data" };
  const sides = comparableSides(ref, cur);
  if (!sides) return { column: name, reason: `types differ (${ref.type} in the reference, ${cur.type} now)` };

  const counts = await sideCounts(reference, current, sides);
  if (counts.referenceRows === 0 || counts.currentRows === 0) {
    return { column: name, reason: "no non-missing values on one side" };
  }
  const type = driftColumnType(ref.family, counts.referenceDistinct, counts.referenceRows);
  if (type !== "numerical" && type !== "categorical") {
    return { column: name, reason: `${type} column: Evidently's default tests do not cover it` };
  }
  const selected = selectDriftTest(type, counts.referenceRows, counts.distinct);
  const outcome = await runTest(selected, reference, current, sides, counts);
  const score = outcome.pValue ?? outcome.statistic;
  return {
    column: name,
    column_type: type,
    test: selected.test,
    statistic: encodeDouble(outcome.statistic),
    score,
    threshold: selected.threshold,
    drifted: selected.drifted(score),
    reference_rows: counts.referenceRows,
    current_rows: counts.currentRows,
  };
}

/** Both sides as one SQL type, or undefined when they cannot be compared (number vs text). */
function comparableSides(ref: TableColumn, cur: TableColumn): Sides | undefined {
  const refValue = statExpression(ref);
  const curValue = statExpression(cur);
  if (isNumeric(ref.family) && isNumeric(cur.family)) {
    return { reference: `CAST(${refValue} AS DOUBLE)`, current: `CAST(${curValue} AS DOUBLE)` };
  }
  if (ref.family !== cur.family) return undefined;
  return { reference: `CAST(${refValue} AS VARCHAR)`, current: `CAST(${curValue} AS VARCHAR)` };
}

interface SideCounts {
  referenceRows: number;
  currentRows: number;
  referenceDistinct: number;
  /** Distinct values of reference and current together. */
  distinct: number;
}

/** A CTE pair `r(v)`, `c(v)` holding each side's non-missing values. */
function sidesCte(reference: Table, current: Table, sides: Sides): string {
  // The inner SELECT names the value first: a data column called "v" must not shadow it.
  return `r AS (SELECT v FROM (SELECT ${sides.reference} AS v FROM ${reference.relation}) WHERE v IS NOT NULL),
          c AS (SELECT v FROM (SELECT ${sides.current} AS v FROM ${current.relation}) WHERE v IS NOT NULL)`;
}

async function sideCounts(reference: Table, current: Table, sides: Sides): Promise<SideCounts> {
  const row = await reference.engine.one(
    `WITH ${sidesCte(reference, current, sides)}
     SELECT (SELECT count(*) FROM r) AS nr, (SELECT count(*) FROM c) AS nc,
            (SELECT count(DISTINCT v) FROM r) AS ur,
            (SELECT count(DISTINCT v) FROM (SELECT v FROM r UNION ALL SELECT v FROM c)) AS u`,
  );
  return {
    referenceRows: toNumber(row.nr),
    currentRows: toNumber(row.nc),
    referenceDistinct: toNumber(row.ur),
    distinct: toNumber(row.u),
  };
}

async function runTest(
  selected: SelectedTest,
  reference: Table,
  current: Table,
  sides: Sides,
  counts: SideCounts,
): Promise<TestOutcome> {
  switch (selected.test) {
    case "ks": {
      const { d } = await ecdfGap(reference, current, sides, counts);
      return { statistic: d, pValue: ks2SamplePValue(counts.referenceRows, counts.currentRows, d) };
    }
    case "wasserstein": {
      const { w1, referenceStd } = await ecdfGap(reference, current, sides, counts);
      return normedWasserstein(w1, referenceStd);
    }
    case "chisquare": {
      const { ref, cur } = await valueCounts(reference, current, sides);
      return chiSquareTest(ref, cur);
    }
    case "z": {
      const { ref, cur } = await valueCounts(reference, current, sides);
      return zTest(ref, cur);
    }
    case "jensenshannon": {
      // Evidently bins numerical columns with > 20 reference values first, but its default
      // selection sends every numerical column with > 5 values to Wasserstein, so under the
      // default rule Jensen–Shannon only ever sees a handful of values, compared value by value.
      const { ref, cur } = await valueCounts(reference, current, sides);
      return jensenShannon(ref, cur);
    }
  }
}

/**
 * Over the sorted distinct values v of both sides, with F the empirical CDFs: the KS statistic
 * max |F_r(v) − F_c(v)| (scipy's sign rule), and the Wasserstein-1 distance Σ |F_r − F_c|·Δv.
 * Each CDF value is an integer count divided by n in double precision, as numpy computes it.
 */
async function ecdfGap(reference: Table, current: Table, sides: Sides, counts: SideCounts) {
  const row = await reference.engine.one(
    `WITH ${sidesCte(reference, current, sides)},
     j AS (SELECT v, sum(a) AS a, sum(b) AS b
           FROM (SELECT v, 1 AS a, 0 AS b FROM r UNION ALL SELECT v, 0 AS a, 1 AS b FROM c) GROUP BY v),
     f AS (SELECT CAST(sum(a) OVER w AS DOUBLE) / ${counts.referenceRows}
                  - CAST(sum(b) OVER w AS DOUBLE) / ${counts.currentRows} AS diff,
                  lead(v) OVER (ORDER BY v) - v AS dv
           FROM j WINDOW w AS (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
     SELECT max(diff) AS hi, min(diff) AS lo, sum(abs(diff) * dv) AS w1,
            (SELECT stddev_pop(v) FROM r) AS sr
     FROM f`,
  );
  const maxGap = toNumber(row.hi);
  const minGap = Math.min(1, Math.max(0, -toNumber(row.lo)));
  return {
    d: minGap > maxGap ? minGap : maxGap,
    w1: toNumber(row.w1 ?? 0),
    referenceStd: toNumber(row.sr ?? 0),
  };
}

/** Counts per distinct value of either side, aligned (a value one side lacks counts 0 there). */
async function valueCounts(reference: Table, current: Table, sides: Sides) {
  const rows = await reference.engine.all(
    `WITH ${sidesCte(reference, current, sides)}
     SELECT v, sum(a) AS a, sum(b) AS b
     FROM (SELECT v, 1 AS a, 0 AS b FROM r UNION ALL SELECT v, 0 AS a, 1 AS b FROM c)
     GROUP BY v ORDER BY v`,
  );
  return { ref: rows.map((r) => toNumber(r.a)), cur: rows.map((r) => toNumber(r.b)) };
}
