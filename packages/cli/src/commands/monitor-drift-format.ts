import type { DriftResult, ReportSource } from "@gyre/data";
import { renderTable } from "../format/table.js";

/** `gyre monitor drift` as text: the verdict, one row per column, the columns not tested. */
export function driftText(reference: ReportSource, current: ReportSource, drift: DriftResult): string {
  const verdict = drift.dataset_drift ? "DATASET DRIFT" : "no dataset drift";
  const head = `${current.name} (${rows(current)}) against ${reference.name} (${rows(reference)}): ${drift.drifted_columns} of ${drift.tested_columns} columns drifted (share ${figure(drift.drifted_share)}, threshold ${figure(drift.drift_share)}): ${verdict}`;
  const table = renderTable(
    ["COLUMN", "TYPE", "METHOD", "STATISTIC", "P-VALUE", "THRESHOLD", "VERDICT", "NEW CATEGORIES"],
    drift.columns.map((c) => [
      c.name,
      c.column_type,
      c.method + (c.method_source === "override" ? " (set)" : ""),
      figure(c.statistic),
      c.p_value === null ? "-" : figure(c.p_value),
      figure(c.threshold),
      c.drifted ? "DRIFT" : "ok",
      c.new_categories && c.new_categories.distinct > 0
        ? `${c.new_categories.distinct} (${(c.new_categories.share * 100).toFixed(1)}% of rows)`
        : "",
    ]),
  );
  const skipped = drift.skipped.map((s) => `  ${s.name}: ${s.reason}`);
  return [head, "", table, ...(skipped.length ? ["", "Not tested:", ...skipped] : [])].join("\n");
}

function rows(source: ReportSource): string {
  return `${(source.rows ?? 0).toLocaleString("en-US")} rows`;
}

/** Five significant digits; ∞ spelled out. */
function figure(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (value !== 0 && Math.abs(value) < 1e-4) return value.toExponential(4);
  return String(Number(value.toPrecision(5)));
}
