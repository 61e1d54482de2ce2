import type { monitoring } from "@gyre/core";
import type { EvaluationDetails } from "./evaluation/evaluate.js";

/** The same content as the HTML page, as JSON (`report.json` beside `report.html`). */
export interface MonitorReport extends Record<string, unknown> {
  readonly monitor: string;
  readonly evaluation: number;
  readonly target: monitoring.MonitorTarget;
  readonly window: { readonly start: string; readonly end: string };
  readonly generated_at: string;
  readonly status: monitoring.Evaluation["status"];
  readonly values: Record<string, number | null>;
  readonly breaches: monitoring.Breach[];
  readonly thresholds: monitoring.MonitorThreshold[];
  readonly details: EvaluationDetails;
  /** Earlier points of the series (oldest first) and this one. */
  readonly history: readonly { number: number; window_end: number; values: Record<string, number | null> }[];
}

export function buildReport(
  monitorName: string,
  spec: monitoring.MonitorSpec,
  evaluation: monitoring.Evaluation,
  details: EvaluationDetails,
  history: MonitorReport["history"],
): MonitorReport {
  return {
    monitor: monitorName,
    evaluation: evaluation.number,
    target: spec.target,
    window: {
      start: new Date(evaluation.window_start).toISOString(),
      end: new Date(evaluation.window_end).toISOString(),
    },
    generated_at: new Date(evaluation.evaluated_at).toISOString(),
    status: evaluation.status,
    values: evaluation.values,
    breaches: evaluation.breaches,
    thresholds: spec.thresholds,
    details,
    history,
  };
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

function format(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return escapeHtml(String(value));
}

function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return "<p class=muted>none</p>";
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${format(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A small inline SVG line of one metric over the evaluations. */
function sparkline(points: readonly (number | null)[]): string {
  const values = points.filter((p): p is number => p !== null && Number.isFinite(p));
  if (values.length < 2) return "";
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const w = 160;
  const h = 32;
  const step = w / (points.length - 1);
  const coords = points
    .map((p, i) =>
      p === null || !Number.isFinite(p)
        ? undefined
        : `${(i * step).toFixed(1)},${(h - ((p - lo) / (hi - lo || 1)) * h).toFixed(1)}`,
    )
    .filter((c) => c !== undefined);
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${coords.join(" ")}"/></svg>`;
}

/**
 * The report as one self-contained HTML page (inline CSS and SVG, no script, no external
 * resource; tens of kilobytes): the verdict, breaches, every value with its history, performance
 * per version and arm, data quality and drift per column, operational figures per version.
 */
export function renderReportHtml(report: MonitorReport): string {
  const d = report.details;
  const breached = new Set(report.breaches.map((b) => b.metric));
  const valueRows = Object.entries(report.values).map(([name, value]) => [
    breached.has(name as monitoring.MonitorMetric) ? `⚠ ${name}` : name,
    value,
    sparkline(report.history.map((h) => h.values[name] ?? null)),
  ]);
  const valueTable = `<table><thead><tr><th>metric</th><th>value</th><th>history</th></tr></thead><tbody>${valueRows
    .map(([n, v, s]) => `<tr><td>${escapeHtml(String(n))}</td><td>${format(v)}</td><td>${s}</td></tr>`)
    .join("")}</tbody></table>`;
  const metricNames = [...new Set(d.performance.by_version.flatMap((v) => Object.keys(v.metrics)))];
  const reference =
    "error" in d.reference ? `none (${escapeHtml(d.reference.error)})` : escapeHtml(d.reference.name);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.monitor)} #${report.evaluation}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f5}.muted{color:#777}
.ok{color:#15803d}.breach{color:#b91c1c}.no_data{color:#777}</style></head><body>
<h1>Monitor ${escapeHtml(report.monitor)} — evaluation ${report.evaluation}</h1>
<p>Status: <b class="${report.status}">${report.status}</b> · window ${escapeHtml(report.window.start)} → ${escapeHtml(report.window.end)} ·
model ${format(d.model)} (version ${format(d.version)}) · reference ${reference}${d.truncated ? " · the newest 100,000 rows were read" : ""}</p>
<h2>Breaches</h2>${table(
    ["metric", "value", "min", "max"],
    report.breaches.map((b) => [b.metric, b.value, b.min, b.max]),
  )}
<h2>Values</h2>${valueTable}
<h2>Performance by version and arm</h2>${table(
    ["version", "arm", "labeled rows", ...metricNames],
    d.performance.by_version.map((v) => [v.version, v.arm, v.rows, ...metricNames.map((m) => v.metrics[m])]),
  )}
<h2>Data quality</h2>${table(
    ["column", "missing rate", "out of range rate", "new category rate", "new categories"],
    (d.quality?.columns ?? []).map((c) => [
      c.name,
      c.missing_rate,
      c.out_of_range_rate,
      c.new_category_rate,
      c.new_categories.join(", "),
    ]),
  )}
<h2>Drift${d.drift ? ` — ${format(d.drift.drifted_share)} of columns drifted (dataset drift at ≥ ${format(d.drift.drift_share)})` : ""}</h2>${table(
    ["column", "type", "method", "statistic", "score", "threshold", "drifted"],
    (d.drift?.columns ?? []).map((c) => [
      c.column,
      c.column_type,
      c.test,
      c.statistic,
      c.score,
      c.threshold,
      c.drifted ? "yes" : "no",
    ]),
  )}
<h2>Operations by version and arm</h2>${table(
    [
      "version",
      "arm",
      "requests",
      "rows",
      "p50 ms",
      "p99 ms",
      "counted requests",
      "errors",
      "signature violations",
    ],
    d.operations.by_version.map((v) => [
      v.version,
      v.arm,
      v.requests,
      v.rows,
      v.latency_p50_ms,
      v.latency_p99_ms,
      v.counted_requests,
      v.errors,
      v.invalid,
    ]),
  )}
</body></html>
`;
}
