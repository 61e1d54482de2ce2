/** SQL text shared by the prediction store's backends (values spliced only through these). */

/** A string literal: DuckDB and PostgreSQL (standard_conforming_strings) only double the quote. */
export function literal(text: string): string {
  if (text.includes("\u0000")) throw new Error("text holds a NUL character");
  return `'${text.replaceAll("'", "''")}'`;
}

/** A finite number as SQL, else NULL. */
export function numberOrNull(value: number): string {
  return Number.isFinite(value) ? String(value) : "NULL";
}

/** An integer as SQL (ms timestamps, counts); refuses anything else. */
export function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** Nullable text columns are stored as '' so that they can be part of a key on both backends. */
export const blank = (value: string | null | undefined): string => value ?? "";
export const unblank = (value: unknown): string | null =>
  value === null || value === undefined || value === "" ? null : String(value);

/**
 * The WHERE conditions of a prediction query over columns model, deployment, version, arm and ts
 * (same text on both backends).
 */
export function predictionConditions(query: {
  requestId?: string | undefined;
  model?: string | undefined;
  deployment?: string | undefined;
  version?: string | undefined;
  arm?: string | undefined;
  start?: number | undefined;
  end?: number | undefined;
}): string[] {
  const where: string[] = [];
  if (query.requestId !== undefined) where.push(`request_id = ${literal(query.requestId)}`);
  if (query.model !== undefined) where.push(`model = ${literal(query.model)}`);
  if (query.deployment !== undefined) where.push(`deployment = ${literal(query.deployment)}`);
  if (query.version !== undefined) where.push(`version = ${literal(query.version)}`);
  if (query.arm !== undefined) where.push(`arm = ${literal(query.arm)}`);
  if (query.start !== undefined) where.push(`ts >= ${integer(query.start)}`);
  if (query.end !== undefined) where.push(`ts < ${integer(query.end)}`);
  return where;
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
}

/**
 * The ORDER BY of a query's rows before its LIMIT: the newest, or with `sample` the uniform sample
 * `PredictionQuery.sample` describes (md5 is the same function on DuckDB and PostgreSQL). `collate`
 * makes text sort byte-wise, as DuckDB does.
 */
export function limitOrder(sample: boolean | undefined, collate = ""): string {
  return sample
    ? `md5(request_id || ':' || "row"::VARCHAR) ${collate}, version ${collate}, arm ${collate}`
    : `ts DESC, request_id ${collate} DESC, "row" DESC, version ${collate} DESC, arm ${collate} DESC`;
}

/**
 * The SELECT list of the operational figures over a CTE `p` of deduplicated prediction rows: one
 * row per (version, arm), then one of the answered (non-shadow) rows marked `answered`.
 */
export const OPERATIONAL_SELECT = `SELECT version, arm, false AS answered, count(*) FILTER (WHERE "row" = 0) AS requests, count(*) AS rows,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE "row" = 0) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE "row" = 0) AS p99
FROM p GROUP BY version, arm
UNION ALL
SELECT NULL, NULL, true, count(*) FILTER (WHERE "row" = 0), count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE "row" = 0),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE "row" = 0)
FROM p WHERE arm <> 'shadow'`;
