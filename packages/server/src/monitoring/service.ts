import type { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import {
  GyreError,
  type monitoring,
  type RouteNames,
  type RouteRequest,
  type RouteResponse,
} from "@gyre/core";
import { reportJson } from "@gyre/data";
import type { ArtifactStore } from "../artifacts/store.js";
import { DriftReferences } from "./evaluation/drift.js";
import { evaluateWindow } from "./evaluation/evaluate.js";
import type { Explanations } from "./explain.js";
import { step } from "./hysteresis.js";
import {
  alertOf,
  evaluationOf,
  type MonitoringContext,
  type MonitorRow,
  type MonitorStore,
  specOf,
} from "./monitor-store.js";
import type { AlertNotifier } from "./notifier.js";
import type { ReferenceResolver } from "./reference.js";
import { buildReport, type MonitorReport, renderMonitorHtml } from "./report.js";
import { checkSchedule, nextRunAfter } from "./schedule.js";
import type { PredictionStore } from "./store/prediction-store.js";

type Routes = typeof monitoring;
type Req<K extends RouteNames<Routes>> = RouteRequest<Routes, K>;
type Res<K extends RouteNames<Routes>> = RouteResponse<Routes, K>;

const HISTORY = 50;
const REPORT_ROOT = "monitoring/reports";

/**
 * The monitoring API: labels and predictions over the prediction store; monitors, their
 * evaluations (stored points, JSON and HTML reports in the artifact store) and alerts in the
 * metadata store. `run` is what the scheduler calls too.
 */
export class MonitoringService {
  /** Prepared drift references, reused across evaluations. */
  private readonly drift = new DriftReferences();

  constructor(
    private readonly ctx: MonitoringContext,
    private readonly monitors: MonitorStore,
    private readonly store: PredictionStore,
    private readonly references: ReferenceResolver,
    private readonly artifacts: ArtifactStore | undefined,
    private readonly notifier: AlertNotifier,
    private readonly explanations: Explanations,
    /** Writes out what this process's deployments answered, so an evaluation sees all of it. */
    private readonly flush: () => Promise<void> = async () => {},
  ) {}

  async explainPrediction(req: Req<"explainPrediction">): Promise<Res<"explainPrediction">> {
    await this.flush();
    return this.explanations.explain(req);
  }

  async computeImportance(req: Req<"computeImportance">): Promise<Res<"computeImportance">> {
    await this.flush();
    return this.explanations.importance(req, this.ctx.now());
  }

  async logLabels(req: Req<"logLabels">): Promise<Res<"logLabels">> {
    return { stored: await this.store.appendLabels(req.labels, this.ctx.now()) };
  }

  async searchPredictions(req: Req<"searchPredictions">): Promise<Res<"searchPredictions">> {
    const rows = await this.store.predictions({
      model: req.model,
      deployment: req.deployment,
      version: req.version,
      arm: req.arm,
      start: req.start_time,
      end: req.end_time,
      labeledOnly: req.labeled_only,
      limit: req.max_results ?? 1000,
    });
    return {
      predictions: rows.map((r) => ({
        request_id: r.request_id,
        row: r.row,
        timestamp: r.timestamp,
        model: r.model,
        ...(r.deployment === null ? {} : { deployment: r.deployment }),
        ...(r.version === null ? {} : { version: r.version }),
        ...(r.arm === null ? {} : { arm: r.arm }),
        latency_ms: r.latency_ms,
        inputs: r.inputs,
        outputs: r.outputs,
        ...(r.label === null ? {} : { label: r.label }),
        ...(r.label_time === null ? {} : { label_timestamp: r.label_time }),
      })),
    };
  }

  async createMonitor(req: Req<"createMonitor">, actor: string): Promise<Res<"createMonitor">> {
    const spec = req.spec;
    if (spec.schedule !== undefined) checkSchedule(spec.schedule);
    await this.checkTarget(spec.target);
    if (spec.reference.kind === "window" && !(spec.reference.end > spec.reference.start))
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        "Invalid value for parameter 'spec.reference.end': the reference window must end after it starts.",
      );
    const next = spec.schedule === undefined ? null : nextRunAfter(spec.schedule, this.ctx.now());
    return { monitor: present(await this.monitors.create(req.name, spec, actor, next)) };
  }

  async getMonitor(req: Req<"getMonitor">): Promise<Res<"getMonitor">> {
    return { monitor: present(await this.monitors.get(req.name)) };
  }

  async listMonitors(_req: Req<"listMonitors">): Promise<Res<"listMonitors">> {
    return { monitors: (await this.monitors.list()).map(present) };
  }

  async deleteMonitor(req: Req<"deleteMonitor">): Promise<Res<"deleteMonitor">> {
    await this.monitors.delete(req.name);
    return {};
  }

  async runMonitor(req: Req<"runMonitor">): Promise<Res<"runMonitor">> {
    return { evaluation: await this.run(req.name, req.window_end ?? this.ctx.now()) };
  }

  /**
   * Evaluates the window [end − window, end), stores the point (with the hysteresis step and any
   * alert change in the same transaction), writes the reports, then notifies.
   */
  async run(name: string, end: number): Promise<monitoring.Evaluation> {
    const row = await this.monitors.get(name);
    const spec = specOf(row);
    await this.flush();
    const start = end - spec.window_seconds * 1000;
    const result = await evaluateWindow(spec, start, end, {
      store: this.store,
      references: this.references,
      drift: this.drift,
    });
    const written = await this.monitors.recordEvaluation(name, {
      windowStart: start,
      windowEnd: end,
      status: result.status,
      values: result.values,
      breaches: result.breaches,
      decide: (state) => step(state, result.status, spec.alert),
      reportPath: (n) => reportDir(name, n),
    });
    const firing = written.alert?.state === "firing" ? Number(written.alert.id) : undefined;
    const evaluation = evaluationOf(written.evaluation, firing);
    const history = (await this.monitors.evaluations(name, HISTORY)).map((e) => ({
      number: Number(e.number),
      window_end: Number(e.window_end),
      values: JSON.parse(e.metric_values) as Record<string, number | null>,
    }));
    const report = buildReport(name, spec, evaluation, result.details, history);
    await this.writeReport(report);
    if (written.action !== "none" && written.alert) {
      this.notifier.notify(
        {
          event: written.action === "fire" ? "alert.fired" : "alert.resolved",
          monitor: name,
          alert: alertOf(written.alert),
          evaluation,
          ...(this.artifacts
            ? { report_uri: `mlflow-artifacts:/${reportDir(name, evaluation.number)}` }
            : {}),
        },
        spec.webhooks,
      );
    }
    return evaluation;
  }

  async listEvaluations(req: Req<"listEvaluations">): Promise<Res<"listEvaluations">> {
    await this.monitors.get(req.name);
    const rows = await this.monitors.evaluations(req.name, req.max_results ?? 100);
    return { evaluations: rows.map((r) => evaluationOf(r)) };
  }

  async getMonitorReport(req: Req<"getMonitorReport">): Promise<Res<"getMonitorReport">> {
    const row = await this.monitors.evaluation(req.name, req.evaluation);
    const evaluation = evaluationOf(row);
    const dir = row.report_path ?? reportDir(req.name, evaluation.number);
    const report = JSON.parse(await this.readArtifact(`${dir}/report.json`)) as Record<string, unknown>;
    return {
      evaluation,
      report,
      ...(req.format === "html" ? { html: await this.readArtifact(`${dir}/report.html`) } : {}),
      artifact_uri: `mlflow-artifacts:/${dir}`,
    };
  }

  async listAlerts(req: Req<"listAlerts">): Promise<Res<"listAlerts">> {
    const rows = await this.monitors.alerts({
      monitor: req.monitor,
      state: req.state,
      afterId: req.after_id,
      max: req.max_results ?? 100,
    });
    return { alerts: rows.map(alertOf) };
  }

  async acknowledgeAlert(req: Req<"acknowledgeAlert">, actor: string): Promise<Res<"acknowledgeAlert">> {
    return { alert: alertOf(await this.monitors.acknowledge(req.id, actor)) };
  }

  /** A model must be registered, a deployment must exist: a typo should not make a silent monitor. */
  private async checkTarget(target: monitoring.MonitorTarget): Promise<void> {
    if (target.model !== undefined) {
      const model = await this.ctx.db
        .selectFrom("registered_models")
        .select("name")
        .where("name", "=", target.model)
        .executeTakeFirst();
      if (!model)
        throw new GyreError(
          "RESOURCE_DOES_NOT_EXIST",
          `Invalid value for parameter 'spec.target.model': registered model '${target.model}' does not exist.`,
        );
    }
    if (target.deployment !== undefined) {
      const deployment = await this.ctx.db
        .selectFrom("deployments")
        .select("name")
        .where("name", "=", target.deployment)
        .executeTakeFirst();
      if (!deployment)
        throw new GyreError(
          "RESOURCE_DOES_NOT_EXIST",
          `Invalid value for parameter 'spec.target.deployment': deployment '${target.deployment}' does not exist.`,
        );
    }
  }

  private async writeReport(report: MonitorReport): Promise<void> {
    if (!this.artifacts) return;
    const dir = reportDir(report.monitor, report.evaluation);
    await this.artifacts.write(`${dir}/report.json`, Buffer.from(reportJson(report)));
    await this.artifacts.write(`${dir}/report.html`, Buffer.from(renderMonitorHtml(report)));
  }

  private async readArtifact(path: string): Promise<string> {
    if (!this.artifacts) throw new GyreError("NOT_IMPLEMENTED", "Reports need an artifact store.");
    try {
      const { stream } = await this.artifacts.read(path);
      return await text(stream as Readable);
    } catch (error) {
      if (error instanceof GyreError && error.status === 404)
        throw new GyreError("RESOURCE_DOES_NOT_EXIST", `The report file ${path} is missing.`);
      throw error;
    }
  }
}

function reportDir(monitor: string, number: number): string {
  return `${REPORT_ROOT}/${monitor}/${number}`;
}

/** A monitor as the API shows it: webhook secrets are never returned. */
function present(row: MonitorRow): monitoring.Monitor {
  const spec = specOf(row);
  return {
    name: row.name,
    spec: { ...spec, webhooks: spec.webhooks.map((w) => (w.secret ? { ...w, secret: "***" } : w)) },
    creator: row.creator,
    creation_timestamp: Number(row.creation_time),
    last_updated_timestamp: Number(row.last_update_time),
    evaluations: Number(row.evaluations),
    consecutive_breaches: Number(row.consecutive_breaches),
    consecutive_ok: Number(row.consecutive_ok),
    ...(row.open_alert_id === null ? {} : { open_alert_id: Number(row.open_alert_id) }),
    ...(row.next_run_time === null ? {} : { next_run_timestamp: Number(row.next_run_time) }),
  };
}
