import type { DatasetColumn } from "@gyre/core";

/** How Gyre treats a DuckDB type: which statistics apply and how values travel as JSON. */
export type TypeFamily = "integer" | "float" | "string" | "boolean" | "date" | "timestamp" | "time" | "other";

const INTEGER = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
  "UHUGEINT",
]);

export function familyOf(type: string): TypeFamily {
  const t = type.toUpperCase();
  if (INTEGER.has(t)) return "integer";
  if (t === "FLOAT" || t === "DOUBLE" || t.startsWith("DECIMAL")) return "float";
  if (t === "VARCHAR") return "string";
  if (t === "BOOLEAN") return "boolean";
  if (t === "DATE") return "date";
  if (t.startsWith("TIMESTAMP")) return "timestamp";
  if (t.startsWith("TIME")) return "time";
  return "other";
}

export function isNumeric(family: TypeFamily): boolean {
  return family === "integer" || family === "float";
}

/** Names a suite may use in `column_exists.type` besides an exact DuckDB type name. */
const FAMILY_NAMES: Record<string, (f: TypeFamily) => boolean> = {
  integer: (f) => f === "integer",
  float: (f) => f === "float",
  numeric: isNumeric,
  string: (f) => f === "string",
  boolean: (f) => f === "boolean",
  date: (f) => f === "date",
  timestamp: (f) => f === "timestamp",
};

/** Whether a column of DuckDB type `actual` satisfies the expected type or family name. */
export function typeMatches(actual: string, expected: string): boolean {
  const family = FAMILY_NAMES[expected.toLowerCase()];
  return family ? family(familyOf(actual)) : actual.toUpperCase() === expected.toUpperCase();
}

/** A column of a table, with its family worked out once. */
export interface TableColumn extends DatasetColumn {
  family: TypeFamily;
}

export function tableColumn(column: DatasetColumn): TableColumn {
  return { ...column, family: familyOf(column.type) };
}
