import { monitoring, type RequestOf } from "@gyre/core";
import type { GyreClient } from "./client.js";

/** Labels per request: the server takes up to 100,000; smaller calls keep each body modest. */
const LABEL_CHUNK = 10_000;

export type LabelValue = number | string | boolean;

export interface PredictionQuery {
  model?: string;
  deployment?: string;
  version?: string;
  arm?: "primary" | "canary" | "shadow";
  /** ms since the epoch, inclusive / exclusive. */
  start?: number;
  end?: number;
  labeledOnly?: boolean;
  maxResults?: number;
}

/**
 * Gyre's monitoring routes: ground truth by request id, the prediction store, monitors, their
 * evaluations and reports, and alerts. `new MonitoringClient(gyre.client)`.
 *
 * Labels: a later label for the same (request id, row) replaces an earlier one (last write wins,
 * by arrival at the server); `logLabels` sends large lists in calls of 10,000, in order.
 */
export class MonitoringClient {
  constructor(private readonly client: GyreClient) {}

  /** Ground truth for one predicted row (row 0 of a single-row request by default). */
  async logLabel(requestId: string, value: LabelValue, row?: number): Promise<void> {
    await this.client.call(monitoring.logLabels, {
      labels: [{ request_id: requestId, value, ...(row === undefined ? {} : { row }) }],
    });
  }

  /** Many labels, sent in order in chunks; resolves to the number stored. */
  async logLabels(
    labels: readonly monitoring.LabelEntry[],
    onProgress?: (sent: number, total: number) => void,
  ): Promise<number> {
    let stored = 0;
    for (let at = 0; at < labels.length; at += LABEL_CHUNK) {
      const chunk = labels.slice(at, at + LABEL_CHUNK);
      stored += (await this.client.call(monitoring.logLabels, { labels: chunk })).stored;
      onProgress?.(Math.min(at + LABEL_CHUNK, labels.length), labels.length);
    }
    return stored;
  }

  async predictions(query: PredictionQuery = {}) {
    const answer = await this.client.call(monitoring.searchPredictions, {
      model: query.model,
      deployment: query.deployment,
      version: query.version,
      arm: query.arm,
      start_time: query.start,
      end_time: query.end,
      labeled_only: query.labeledOnly,
      max_results: query.maxResults,
    });
    return answer.predictions;
  }

  async createMonitor(
    name: string,
    spec: RequestOf<typeof monitoring.createMonitor>["spec"],
  ): Promise<monitoring.Monitor> {
    return (await this.client.call(monitoring.createMonitor, { name, spec })).monitor;
  }

  async getMonitor(name: string): Promise<monitoring.Monitor> {
    return (await this.client.call(monitoring.getMonitor, { name })).monitor;
  }

  async listMonitors(): Promise<monitoring.Monitor[]> {
    return (await this.client.call(monitoring.listMonitors, {})).monitors;
  }

  async deleteMonitor(name: string): Promise<void> {
    await this.client.call(monitoring.deleteMonitor, { name });
  }

  /** Evaluates now (over the window ending at `windowEnd`, default now) and stores the point. */
  async runMonitor(name: string, windowEnd?: number): Promise<monitoring.Evaluation> {
    return (
      await this.client.call(monitoring.runMonitor, {
        name,
        ...(windowEnd === undefined ? {} : { window_end: windowEnd }),
      })
    ).evaluation;
  }

  async evaluations(name: string, maxResults?: number): Promise<monitoring.Evaluation[]> {
    return (await this.client.call(monitoring.listEvaluations, { name, max_results: maxResults }))
      .evaluations;
  }

  /** An evaluation's report (default the latest); with `html` also the HTML page. */
  async report(name: string, options: { evaluation?: number; html?: boolean } = {}) {
    return this.client.call(monitoring.getMonitorReport, {
      name,
      evaluation: options.evaluation,
      format: options.html ? "html" : "json",
    });
  }

  /**
   * Alert history, newest first; with `afterId`, only newer alerts, oldest first — a poller keeps
   * the last id it saw (this is how pipelines trigger retraining from alerts).
   */
  async alerts(
    options: { monitor?: string; state?: "firing" | "resolved"; afterId?: number; maxResults?: number } = {},
  ): Promise<monitoring.Alert[]> {
    return (
      await this.client.call(monitoring.listAlerts, {
        monitor: options.monitor,
        state: options.state,
        after_id: options.afterId,
        max_results: options.maxResults,
      })
    ).alerts;
  }

  /** Exact TreeSHAP attributions of one logged prediction of a @gyre/ml tree model. */
  explain(requestId: string, options: { row?: number; version?: string } = {}) {
    return this.client.call(monitoring.explainPrediction, { request_id: requestId, ...options });
  }

  /** Permutation importance of a model version on its labeled predictions (default the last 7 days). */
  importance(
    model: string,
    version: string | number,
    options: { start?: number; end?: number; nRepeats?: number; seed?: number } = {},
  ) {
    return this.client.call(monitoring.computeImportance, {
      model,
      version: String(version),
      ...(options.start === undefined ? {} : { start_time: options.start }),
      ...(options.end === undefined ? {} : { end_time: options.end }),
      ...(options.nRepeats === undefined ? {} : { n_repeats: options.nRepeats }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  }

  async acknowledgeAlert(id: number, user?: string): Promise<monitoring.Alert> {
    return (
      await this.client.call(monitoring.acknowledgeAlert, {
        id,
        ...(user === undefined ? {} : { user_id: user }),
      })
    ).alert;
  }
}
