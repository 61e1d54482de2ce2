/** Monitoring reports: the JSON object (types.ts) and its self-contained HTML rendering. */
export { escapeHtml, formatNumber, reportJson } from "./format.js";
export { renderReportHtml } from "./html.js";
export type {
  Cell,
  MonitoringReport,
  ReportSection,
  ReportSource,
  TableSection,
  TimeSeries,
  TimeSeriesSection,
} from "./types.js";
