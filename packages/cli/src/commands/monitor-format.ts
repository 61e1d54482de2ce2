import type { monitoring } from "@gyre/sdk";
import { renderPairs, renderTable } from "../format/table.js";
import { formatMetricValue, formatTimestamp } from "../format/values.js";

const value = (v: number | null | undefined) => (v === null || v === undefined ? "-" : formatMetricValue(v));

function target(t: monitoring.MonitorTarget): string {
  const what = t.deployment !== undefined ? `deployment ${t.deployment}` : `model ${t.model}`;
  return [what, t.version && `version ${t.version}`, t.arm && `arm ${t.arm}`].filter(Boolean).join(", ");
}

function thresholds(spec: monitoring.MonitorSpec): string {
  const parts = spec.thresholds.map((t) =>
    [t.min !== undefined ? `${t.metric} ≥ ${t.min}` : "", t.max !== undefined ? `${t.metric} ≤ ${t.max}` : ""]
      .filter(Boolean)
      .join(", "),
  );
  return parts.length === 0 ? "-" : parts.join("; ");
}

export function renderMonitorList(monitors: readonly monitoring.Monitor[]): string {
  if (monitors.length === 0) return "No monitors.";
  return renderTable(
    ["NAME", "TARGET", "SCHEDULE", "WINDOW", "EVALUATIONS", "ALERT", "NEXT RUN"],
    monitors.map((m) => [
      m.name,
      target(m.spec.target),
      m.spec.schedule ?? "manual",
      `${m.spec.window_seconds}s`,
      String(m.evaluations),
      m.open_alert_id === undefined ? "-" : `firing (#${m.open_alert_id})`,
      formatTimestamp(m.next_run_timestamp),
    ]),
  );
}

export function describeMonitor(m: monitoring.Monitor): string {
  return renderPairs([
    ["name", m.name],
    ["target", target(m.spec.target)],
    ["schedule", m.spec.schedule ?? "manual (gyre monitor run)"],
    ["window", `${m.spec.window_seconds}s`],
    ["thresholds", thresholds(m.spec)],
    [
      "alerting",
      `fire after ${m.spec.alert.fire_after} breach(es), resolve after ${m.spec.alert.resolve_after} OK`,
    ],
    [
      "reference",
      m.spec.reference.kind === "dataset" ? `dataset ${m.spec.reference.dataset}` : m.spec.reference.kind,
    ],
    ["webhooks", m.spec.webhooks.map((w) => w.url).join(", ") || "-"],
    ["evaluations", String(m.evaluations)],
    ["alert", m.open_alert_id === undefined ? "none firing" : `firing (#${m.open_alert_id})`],
  ]);
}

export function describeEvaluation(e: monitoring.Evaluation): string {
  const head = `Evaluation ${e.number} of ${e.monitor}: ${e.status.toUpperCase()}  (${new Date(e.window_start).toISOString()} → ${new Date(e.window_end).toISOString()})`;
  const breached = new Set(e.breaches.map((b) => b.metric));
  const rows = Object.entries(e.values).map(
    ([name, v]) => [breached.has(name as monitoring.MonitorMetric) ? `${name} !` : name, value(v)] as const,
  );
  const breaches = e.breaches.map(
    (b) =>
      `  ${b.metric} = ${value(b.value)} (${b.min !== undefined ? `min ${b.min}` : ""}${b.min !== undefined && b.max !== undefined ? ", " : ""}${b.max !== undefined ? `max ${b.max}` : ""})`,
  );
  return [
    head,
    ...(e.alert_id === undefined ? [] : [`alert #${e.alert_id} firing`]),
    ...(breaches.length ? ["breaches:", ...breaches] : []),
    renderPairs(rows),
  ].join("\n");
}

export function renderAlerts(alerts: readonly monitoring.Alert[]): string {
  if (alerts.length === 0) return "No alerts.";
  return renderTable(
    ["ID", "MONITOR", "STATE", "FIRED", "RESOLVED", "ACKNOWLEDGED"],
    alerts.map((a) => [
      String(a.id),
      a.monitor_name,
      a.state,
      formatTimestamp(a.fired_at),
      formatTimestamp(a.resolved_at),
      a.acknowledged_at === undefined
        ? "-"
        : `${formatTimestamp(a.acknowledged_at)} by ${a.acknowledged_by ?? "?"}`,
    ]),
  );
}
