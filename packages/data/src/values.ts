import type { TableColumn } from "./schema.js";
import { ident } from "./sql.js";

export type JsonScalar = string | number | boolean | null;

/**
 * A DuckDB value as JSON: integers beyond 2^53 become decimal strings (never silently rounded),
 * non-finite doubles become proto-JSON's "NaN"/"Infinity" strings, anything else its text.
 */
export function jsonValue(value: unknown): JsonScalar {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** A count or sum DuckDB returned as BIGINT/HUGEINT, as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  if (value === null || value === undefined) return Number.NaN;
  return Number(value);
}

/** A double statistic that may be NULL (no values). */
export function toNullableNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = toNumber(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * An expression over the column as a JSON-friendly value: numbers and text as they are, DECIMAL
 * as DOUBLE, and dates, timestamps, lists and the like as DuckDB's text for them.
 */
export function jsonOf(expression: string, column: TableColumn): string {
  switch (column.family) {
    case "integer":
    case "string":
    case "boolean":
      return expression;
    case "float":
      return column.type.toUpperCase().startsWith("DECIMAL") ? `CAST(${expression} AS DOUBLE)` : expression;
    default:
      return `CAST(${expression} AS VARCHAR)`;
  }
}

export function jsonExpression(column: TableColumn): string {
  return jsonOf(ident(column.name), column);
}

/** `SELECT` list giving every column as JSON-friendly values under its own name. */
export function jsonProjection(columns: readonly TableColumn[]): string {
  return columns.map((c) => `${jsonExpression(c)} AS ${ident(c.name)}`).join(", ");
}

/** Rows as JSON objects. */
export function jsonRows(rows: readonly Record<string, unknown>[]): Record<string, JsonScalar>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])));
}

/**
 * The column's value for statistics: NaN and ±Infinity count as missing in floating-point
 * columns (pandas counts NaN as missing; Evidently drops ±Infinity too), so every figure is finite.
 */
export function statExpression(column: TableColumn): string {
  const c = ident(column.name);
  const t = column.type.toUpperCase();
  if (t === "DOUBLE" || t === "FLOAT") return `(CASE WHEN isfinite(${c}) THEN ${c} END)`;
  return c;
}
