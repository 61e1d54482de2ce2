/** Quoting for the SQL this package writes; names and texts are never spliced in raw. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Epoch microseconds of a TIMESTAMP, TIMESTAMPTZ or DATE column (UTC for zone-less times). */
export function epochMicros(column: string, family: string): string {
  return family === "date" ? `epoch_us(CAST(${column} AS TIMESTAMP))` : `epoch_us(${column})`;
}

export const MIN_BIGINT = "(-9223372036854775807 - 1)";
