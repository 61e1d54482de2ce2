/** Quoting for the SQL this package writes: identifiers and literals are never spliced in raw. */

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function stringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A double as DuckDB must read it: a bare `0.1` is a DECIMAL, and a long decimal converted to
 * DOUBLE may round differently from the shortest round-trip text JavaScript printed.
 */
export function doubleLiteral(value: number): string {
  if (Number.isNaN(value)) return "'NaN'::DOUBLE";
  if (!Number.isFinite(value)) return value > 0 ? "'Infinity'::DOUBLE" : "'-Infinity'::DOUBLE";
  return `'${String(value)}'::DOUBLE`;
}

/** A JSON scalar as a SQL literal; DuckDB casts it to the column's type when compared. */
export function scalarLiteral(value: string | number | boolean): string {
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return Number.isInteger(value) && Number.isSafeInteger(value) ? String(value) : doubleLiteral(value);
}

export function stringList(items: readonly string[]): string {
  return `[${items.map(stringLiteral).join(", ")}]`;
}
