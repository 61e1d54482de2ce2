import type { monitoring } from "@gyre/core";
import { type Cell, type MonitoringReport, type ReportSection, renderReportHtml } from "@gyre/data";
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

type Row = Cell[];

function table(title: string, headers: string[], rows: Row[], breaches?: boolean[]): ReportSection {
  return { kind: "table", title, headers, rows, ...(breaches ? { breaches } : {}) };
}

/** Series of the thresholded metrics (else the main ones) over the evaluations, with the threshold line. */
function series(report: MonitorReport): ReportSection[] {
  const thresholds = report.thresholds.length
    ? report.thresholds
    : (["accuracy", "rmse", "drift_share", "latency_p99_ms"] as const).map((metric) => ({ metric }));
  return thresholds
    .filter((t) => report.history.some((h) => typeof h.values[t.metric] === "number"))
    .map((t) => {
      const limit = "min" in t && t.min !== undefined ? t.min : "max" in t ? t.max : undefined;
      return {
        kind: "timeseries" as const,
        title: `${t.metric} per evaluation`,
        series: [
          {
            name: t.metric,
            points: report.history.map((h) => ({
              t: new Date(h.window_end).toISOString(),
              value: h.values[t.metric] ?? null,
            })),
          },
        ],
        ...(limit === undefined ? {} : { threshold: limit }),
      };
    });
}

/** The evaluation in @gyre/data's report shape, for its self-contained HTML renderer. */
export function monitoringReportOf(report: MonitorReport): MonitoringReport {
  const d = report.details;
  const breached = new Set<string>(report.breaches.map((b) => b.metric));
  const limits = new Map(report.thresholds.map((t) => [t.metric, t]));
  const values = Object.entries(report.values);
  const metricNames = [...new Set(d.performance.by_version.flatMap((v) => Object.keys(v.metrics)))];
  const target = report.target.deployment
    ? `deployment ${report.target.deployment}`
    : `model ${report.target.model}`;
  return {
    title: `Monitor ${report.monitor} — evaluation ${report.evaluation}: ${report.status}`,
    generated_at: report.generated_at,
    ...("error" in d.reference ? {} : { reference: { name: d.reference.name, rows: d.reference.rows ?? 0 } }),
    current: {
      name: `${target}, ${report.window.start} → ${report.window.end}${d.version ? ` (version ${d.version})` : ""}`,
      rows: d.operations.rows,
    },
    ...(d.drift ? { drift: d.drift } : {}),
    quality: [
      table(
        "Data quality per input column",
        ["column", "missing rate", "out of range rate", "new category rate", "new categories"],
        (d.quality?.columns ?? []).map((c) => [
          c.name,
          c.missing_rate,
          c.out_of_range_rate,
          c.new_category_rate,
          c.new_categories.join(", "),
        ]),
      ),
    ],
    performance: [
      table(
        "Values and thresholds",
        ["metric", "value", "min", "max"],
        values.map(([name, value]) => [
          name,
          value,
          limits.get(name as never)?.min ?? null,
          limits.get(name as never)?.max ?? null,
        ]),
        values.map(([name]) => breached.has(name)),
      ),
      table(
        "Performance by version and arm",
        ["version", "arm", "labeled rows", ...metricNames],
        d.performance.by_version.map((v) => [
          v.version,
          v.arm,
          v.rows,
          ...metricNames.map((m) => v.metrics[m] ?? null),
        ]),
      ),
      table(
        "Operations by version and arm",
        [
          "version",
          "arm",
          "requests",
          "rows",
          "requests/s",
          "p50 ms",
          "p99 ms",
          "counted requests",
          "error rate",
          "signature violations",
        ],
        d.operations.by_version.map((v) => [
          v.version,
          v.arm,
          v.requests,
          v.rows,
          v.throughput_rps,
          v.latency_p50_ms,
          v.latency_p99_ms,
          v.counted_requests,
          v.error_rate,
          v.invalid,
        ]),
      ),
      ...series(report),
    ],
    notes: [
      `Status ${report.status}${report.breaches.length ? `: ${report.breaches.map((b) => `${b.metric} = ${b.value}`).join(", ")}` : ""}.`,
      ...("error" in d.reference ? [`No reference: ${d.reference.error}.`] : []),
      ...(d.drift_error ? [`Drift not computed: ${d.drift_error}`] : []),
      ...(d.sampled
        ? [
            `The window held ${d.operations.rows.toLocaleString("en-US")} answered rows, more than one evaluation reads: performance, quality and drift are computed on a uniform sample of ${d.evaluated_rows.toLocaleString("en-US")} (the same on every run); counts and latencies cover the whole window.`,
          ]
        : []),
    ],
  };
}

/** The report as one self-contained HTML page (inline CSS and SVG, no script), by @gyre/data. */
export function renderMonitorHtml(report: MonitorReport): string {
  return renderReportHtml(monitoringReportOf(report));
}
