import { writeFile } from "node:fs/promises";
import { type Gyre, MonitoringClient } from "@gyre/sdk";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { type CliContext, printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { monitorExplainCommand, monitorImportanceCommand } from "./monitor-explain.js";
import { describeEvaluation, describeMonitor, renderAlerts, renderMonitorList } from "./monitor-format.js";
import { specFromFlags, timeOf } from "./monitor-spec.js";

function monitoringOf<T>(
  values: { "tracking-uri"?: string | undefined },
  context: CliContext,
  use: (client: MonitoringClient, gyre: Gyre) => Promise<T>,
): Promise<T> {
  return withTracking(resolveTrackingTarget(values["tracking-uri"], context.env), (gyre) =>
    use(new MonitoringClient(gyre.client), gyre),
  );
}

export const monitorCreateCommand = defineCommand({
  words: ["monitor", "create"],
  arguments: ["NAME"],
  summary: "Create a monitor: a model or deployment, a cron schedule, a window, thresholds, alerting.",
  options: {
    model: { type: "string" },
    deployment: { type: "string" },
    version: { type: "string" },
    arm: { type: "string" },
    schedule: { type: "string" },
    window: { type: "string" },
    min: { type: "string", multiple: true },
    max: { type: "string", multiple: true },
    task: { type: "string" },
    reference: { type: "string" },
    "fire-after": { type: "string" },
    "resolve-after": { type: "string" },
    webhook: { type: "string", multiple: true },
    "webhook-secret": { type: "string" },
    "no-drift": { type: "boolean" },
    method: { type: "string", multiple: true },
    "target-column": { type: "string" },
    spec: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--model NAME | --deployment NAME", "What to monitor (a registered model or a named deployment)"],
    ["--version N, --arm primary|canary|shadow", "Narrow to one version or arm"],
    ["--schedule CRON", "Run on a cron schedule, UTC (e.g. '*/15 * * * *'); else only on 'monitor run'"],
    ["--window DURATION", "Each evaluation looks back this far: 90s, 15m, 1h, 7d (default 1h)"],
    ["--min METRIC=N", "Breach when METRIC < N, e.g. accuracy=0.9 (repeatable)"],
    ["--max METRIC=N", "Breach when METRIC > N, e.g. latency_p99_ms=50 (repeatable)"],
    ["--task classification|regression", "How to score predictions against labels (default: inferred)"],
    ["--reference REF", "training (default), dataset:NAME[@V], or window:START/END"],
    ["--fire-after N, --resolve-after M", "Hysteresis: fire after N breaches in a row, resolve after M OK"],
    ["--webhook URL", "POST alerts here (repeatable); --webhook-secret S signs them (X-Gyre-Signature)"],
    ["--no-drift", "Skip drift (quality, performance and operations only)"],
    [
      "--method COLUMN=METHOD",
      "Drift method for a column: ks, chisquare, z, wasserstein, jensenshannon, psi, kl",
    ],
    ["--target-column COL", "The reference dataset's target: drift of predictions and labels against it"],
    ["--spec FILE", "A JSON monitor spec; flags override its fields"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = ""] }, context) {
    const spec = await specFromFlags(values);
    const monitor = await monitoringOf(values, context, (m) => m.createMonitor(name, spec));
    if (values.json) printJson(context, { monitor });
    else printLine(context.stdout, `Created monitor ${name}.\n${describeMonitor(monitor)}`);
  },
});

export const monitorListCommand = defineCommand({
  words: ["monitor", "list"],
  summary: "List monitors with their schedule, evaluations and firing alert.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values }, context) {
    const monitors = await monitoringOf(values, context, (m) => m.listMonitors());
    if (values.json) printJson(context, { monitors });
    else printLine(context.stdout, renderMonitorList(monitors));
  },
});

export const monitorShowCommand = defineCommand({
  words: ["monitor", "show"],
  arguments: ["NAME"],
  summary: "Show a monitor and its latest evaluations.",
  options: { last: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [["--last N", "Evaluations to list (default 10)"], ...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    const last = integerFlag("last", values.last, 1, 10_000) ?? 10;
    const [monitor, evaluations] = await monitoringOf(values, context, (m) =>
      Promise.all([m.getMonitor(name), m.evaluations(name, last)]),
    );
    if (values.json) {
      printJson(context, { monitor, evaluations });
      return;
    }
    const series = evaluations.map(
      (e) =>
        `  ${String(e.number).padStart(4)}  ${new Date(e.window_end).toISOString()}  ${e.status.padEnd(7)}  ${e.breaches.map((b) => b.metric).join(", ")}`,
    );
    printLine(
      context.stdout,
      `${describeMonitor(monitor)}\nevaluations:\n${series.join("\n") || "  none yet"}`,
    );
  },
});

export const monitorRunCommand = defineCommand({
  words: ["monitor", "run"],
  arguments: ["NAME"],
  summary: "Evaluate a monitor now: store the point and its reports, update and deliver alerts.",
  options: { "window-end": { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--window-end TIME", "End of the evaluated window: ISO 8601 or ms (default now)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = ""] }, context) {
    const end = values["window-end"] === undefined ? undefined : timeOf("--window-end", values["window-end"]);
    const evaluation = await monitoringOf(values, context, (m) => m.runMonitor(name, end));
    if (values.json) printJson(context, { evaluation });
    else printLine(context.stdout, describeEvaluation(evaluation));
  },
});

export const monitorDeleteCommand = defineCommand({
  words: ["monitor", "delete"],
  arguments: ["NAME"],
  summary: "Delete a monitor and its evaluations (its alerts stay in the history).",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    await monitoringOf(values, context, (m) => m.deleteMonitor(name));
    if (values.json) printJson(context, {});
    else printLine(context.stdout, `Deleted monitor ${name}.`);
  },
});

export const monitorReportCommand = defineCommand({
  words: ["monitor", "report"],
  arguments: ["NAME"],
  summary: "An evaluation's report (default the latest): summary, --json, or --html FILE (self-contained).",
  options: { evaluation: { type: "string" }, html: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--evaluation N", "Which evaluation (default the latest)"],
    ["--html FILE", "Write the self-contained HTML report to FILE"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = ""] }, context) {
    const evaluation = integerFlag("evaluation", values.evaluation, 1, 2 ** 31 - 1);
    const answer = await monitoringOf(values, context, (m) =>
      m.report(name, {
        ...(evaluation === undefined ? {} : { evaluation }),
        html: values.html !== undefined,
      }),
    );
    if (values.html !== undefined) await writeFile(values.html, answer.html ?? "");
    if (values.json) printJson(context, answer.report);
    else
      printLine(
        context.stdout,
        `${describeEvaluation(answer.evaluation)}${values.html ? `\nHTML report written to ${values.html}` : ""}\nfiles: ${answer.artifact_uri ?? "-"}`,
      );
  },
});

export const monitorAlertsCommand = defineCommand({
  words: ["monitor", "alerts"],
  summary: "Alert history, newest first.",
  options: {
    monitor: { type: "string" },
    state: { type: "string" },
    "max-results": { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--monitor NAME", "Only this monitor's alerts"],
    ["--state firing|resolved", "Only alerts in this state"],
    ["--max-results N", "At most N alerts (default 100)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    if (values.state !== undefined && values.state !== "firing" && values.state !== "resolved")
      throw new UsageError(`--state is firing or resolved, got '${values.state}'`);
    const max = integerFlag("max-results", values["max-results"], 1, 10_000);
    const alerts = await monitoringOf(values, context, (m) =>
      m.alerts({
        ...(values.monitor ? { monitor: values.monitor } : {}),
        ...(values.state ? { state: values.state as "firing" | "resolved" } : {}),
        ...(max === undefined ? {} : { maxResults: max }),
      }),
    );
    if (values.json) printJson(context, { alerts });
    else printLine(context.stdout, renderAlerts(alerts));
  },
});

export const monitorAckCommand = defineCommand({
  words: ["monitor", "ack"],
  arguments: ["ALERT_ID"],
  summary: "Acknowledge an alert (who and when are recorded).",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [id = ""] }, context) {
    const alertId = integerFlag("ALERT_ID", id, 1, Number.MAX_SAFE_INTEGER);
    const alert = await monitoringOf(values, context, (m) =>
      m.acknowledgeAlert(alertId!, context.env.USER?.trim() || undefined),
    );
    if (values.json) printJson(context, { alert });
    else printLine(context.stdout, `Acknowledged alert ${alert.id} (${alert.monitor_name}, ${alert.state}).`);
  },
});

/** The monitoring commands of this package; `monitor drift` lives in monitor-drift*.ts. */
export const monitorManageCommands = [
  monitorCreateCommand,
  monitorListCommand,
  monitorShowCommand,
  monitorRunCommand,
  monitorDeleteCommand,
  monitorReportCommand,
  monitorAlertsCommand,
  monitorAckCommand,
  monitorExplainCommand,
  monitorImportanceCommand,
];
