import type { LabeledPrediction } from "../store/prediction-store.js";

/** Tensor inputs up to this many elements per row are split into one column per element. */
const MAX_EXPANDED = 256;

export type Cell = number | string | boolean | null;

/**
 * A row's inputs as flat columns: scalars as they are, a 1-D numeric tensor row `x` of up to 256
 * elements as `x[0]`, `x[1]`, …; anything deeper is skipped (drift and quality are per column).
 */
export function inputColumns(inputs: Record<string, unknown>): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [name, value] of Object.entries(inputs)) {
    if (Array.isArray(value)) {
      if (value.length > MAX_EXPANDED || value.some((v) => Array.isArray(v))) continue;
      value.forEach((v, i) => {
        out[`${name}[${i}]`] = cell(v);
      });
    } else out[name] = cell(value);
  }
  return out;
}

function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** Every input column name seen in the rows, in first-seen order. */
export function columnNames(rows: readonly Record<string, Cell>[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

/** JSON lines of the flattened inputs (DuckDB reads them as a table for drift). */
export function inputLines(rows: readonly LabeledPrediction[]): string {
  return rows.map((r) => JSON.stringify(inputColumns(r.inputs))).join("\n");
}
