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

/** Drift's extra columns: the predicted class or value, and the ground truth. */
export const PREDICTION_COLUMN = "prediction";
export const LABEL_COLUMN = "label";

/**
 * A row as drift sees it: its input columns, plus `prediction` and `label` (when it has one),
 * unless an input already has that name.
 */
export function driftCells(
  row: LabeledPrediction,
  inputs: Record<string, Cell>,
  predicted: (outputs: Record<string, unknown>) => number | string | undefined,
): Record<string, Cell> {
  const out = { ...inputs };
  if (!(PREDICTION_COLUMN in inputs)) out[PREDICTION_COLUMN] = predicted(row.outputs) ?? null;
  if (!(LABEL_COLUMN in inputs) && row.label !== null) out[LABEL_COLUMN] = cell(row.label);
  return out;
}
