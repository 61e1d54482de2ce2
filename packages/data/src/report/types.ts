import type { DriftResult } from "../drift/run.js";

/**
 * A monitoring report: the machine-readable JSON and the input of `renderReportHtml`. Drift comes
 * from a drift run; quality and performance are sections a monitor fills (tables and time series),
 * so one renderer serves an ad-hoc `gyre monitor drift --html` and a scheduled evaluation alike.
 */
export interface MonitoringReport {
  title: string;
  /** ISO-8601 time the report was made. */
  generated_at?: string;
  reference?: ReportSource;
  current?: ReportSource;
  drift?: DriftResult;
  /** Data quality: missing rates, out-of-range shares, new categories, signature violations, … */
  quality?: ReportSection[];
  /** Model performance and operations over time: accuracy per window, latency p99, error rate, … */
  performance?: ReportSection[];
  /** Free text shown at the end (e.g. the monitor's name and schedule). */
  notes?: string[];
}

export interface ReportSource {
  /** A file, `dataset@version`, `model@version`, a time window… */
  name: string;
  rows?: number;
}

export type ReportSection = TableSection | TimeSeriesSection;

export type Cell = string | number | boolean | null;

export interface TableSection {
  kind: "table";
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Per row: whether it breaches a threshold (shown highlighted). */
  breaches?: boolean[];
}

export interface TimeSeriesSection {
  kind: "timeseries";
  title: string;
  /** Unit of the values, shown on the axis (e.g. "ms", "accuracy"). */
  unit?: string;
  series: TimeSeries[];
  /** A horizontal threshold line (e.g. the alert level). */
  threshold?: number;
}

export interface TimeSeries {
  name: string;
  /** `t` is an ISO-8601 time or a number (a step, a window index); null values leave a gap. */
  points: { t: string | number; value: number | null }[];
}
