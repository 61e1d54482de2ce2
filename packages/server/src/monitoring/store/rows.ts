import type { PredictionRecord } from "@gyre/serving";
import type { PredictionRow } from "./prediction-store.js";

/** How a serving record maps to a registered model and deployment. */
export interface RecordOrigin {
  /** The registered model; default the record's `model` (what `gyre serve` calls it). */
  readonly model?: string | undefined;
  /** The named deployment that served it; null under `gyre serve`. */
  readonly deployment?: string | null;
}

function rowCount(values: Record<string, unknown>): number {
  for (const value of Object.values(values)) if (Array.isArray(value)) return value.length;
  return 0;
}

/**
 * One serving log record (a request: each input and output holds one entry per row) as one
 * prediction row per request row. Failed shadows (no outputs) are skipped: nothing was predicted.
 */
export function rowsOfRecord(record: PredictionRecord, origin: RecordOrigin = {}): PredictionRow[] {
  if (record.error !== undefined) return [];
  const n = Math.max(rowCount(record.inputs), rowCount(record.outputs));
  const timestamp = Date.parse(record.timestamp);
  const rows: PredictionRow[] = [];
  for (let r = 0; r < n; r++) {
    const inputs: Record<string, unknown> = {};
    for (const [name, values] of Object.entries(record.inputs)) inputs[name] = (values as unknown[])[r];
    const outputs: Record<string, unknown> = {};
    for (const [name, values] of Object.entries(record.outputs)) outputs[name] = (values as unknown[])[r];
    rows.push({
      request_id: record.request_id,
      row: r,
      timestamp,
      model: origin.model ?? record.model,
      deployment: origin.deployment ?? null,
      version: record.version,
      arm: record.arm,
      latency_ms: record.latency_ms,
      inputs,
      outputs,
    });
  }
  return rows;
}
