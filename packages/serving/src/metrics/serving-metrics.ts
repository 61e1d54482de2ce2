import type { GyreError } from "@gyre/core";
import type { DeploymentObserver } from "../deployments/deployment.js";
import type { ShadowOutcome } from "../deployments/mirror.js";
import { primaryArm } from "../deployments/routing-table.js";
import type { DeploymentSpec } from "../deployments/spec.js";
import type { PredictionLogStats } from "../prediction-log/prediction-log.js";
import type { InferenceOutcome } from "../protocols/observe.js";
import type { MetricsSource } from "../protocols/routes.js";
import type { ServedModel } from "../registry-view.js";
import type { ModelRuntime } from "../runtime/model-runtime.js";
import {
  type Counter,
  type CounterSeries,
  type Histogram,
  type HistogramSeries,
  MetricsRegistry,
  type MetricsSnapshot,
} from "./registry.js";

/** Seconds: sub-millisecond steps where a healthy batched server answers, then coarser. */
export const LATENCY_BOUNDS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Rows per model run: powers of two up to well past the default cap of 128. */
export const BATCH_ROW_BOUNDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/** Shadow requests have no protocol of their own: they are copies, counted under this one. */
const MIRROR_PROTOCOL = "mirror";

interface RequestSeries {
  readonly requests: CounterSeries;
  readonly latency: HistogramSeries;
}

/**
 * The serving metrics behind GET /metrics: per model, version, arm and protocol request and
 * error counts; latency histograms per model version and arm; rows per model run; queue depths;
 * the prediction log's written / dropped / failed counts. Fed by the routes' observer, by
 * deployments (as their DeploymentObserver) and by the runtimes' batchers.
 */
export class ServingMetrics implements DeploymentObserver, MetricsSource {
  readonly registry = new MetricsRegistry();
  private readonly requests: Counter;
  private readonly errors: Counter;
  private readonly latency: Histogram;
  private readonly batchRows: Histogram;
  private readonly changes: Counter;
  /** Looked up on every request: "model\u0001version\u0001arm\u0001protocol" → its series. */
  private readonly series = new Map<string, RequestSeries>();
  /** The last protocol's series per served model object (one protocol per client, usually). */
  private readonly byServed = new WeakMap<ServedModel, { protocol: string; series: RequestSeries }>();
  private readonly runtimes = new Map<ModelRuntime, readonly [string, string]>();
  private readonly specs = new Map<string, { spec: DeploymentSpec; versioned: boolean }>();
  private readonly logs: (() => PredictionLogStats)[] = [];

  constructor() {
    const r = this.registry;
    const labels = ["model", "version", "arm", "protocol"];
    this.requests = r.counter(
      "gyre_serving_requests_total",
      "Inference requests answered, by model, version, deployment arm and protocol.",
      labels,
    );
    this.errors = r.counter(
      "gyre_serving_errors_total",
      "Inference requests answered with an error status (4xx or 5xx), by status.",
      [...labels, "status"],
    );
    this.latency = r.histogram(
      "gyre_serving_request_duration_seconds",
      "Time from a request's arrival to its answer being written, by model version and arm.",
      ["model", "version", "arm"],
      LATENCY_BOUNDS,
    );
    this.batchRows = r.histogram(
      "gyre_serving_batch_rows",
      "Rows per model run (adaptive batching combines concurrent requests into one run).",
      ["model", "version"],
      BATCH_ROW_BOUNDS,
    );
    r.collected(
      "gyre_serving_queue_rows",
      "Rows waiting for a model run.",
      "gauge",
      ["model", "version"],
      () => [...this.runtimes].map(([runtime, labels]) => [labels, runtime.queueDepth] as const),
    );
    r.collected(
      "gyre_serving_arm_share",
      "Share of a deployment's requests routed to each arm, and mirrored to each shadow.",
      "gauge",
      ["model", "version", "arm"],
      () => this.shares(),
      "max",
    );
    this.changes = r.counter(
      "gyre_serving_deployment_changes_total",
      "Deployment changes (hot swaps, weight changes, rollbacks): applied, or failed and left as they were.",
      ["model", "outcome"],
    );
    const logCount = (key: "written" | "dropped" | "failed") => () => [
      [[], this.logs.reduce((sum, stats) => sum + stats()[key], 0)] as const,
    ];
    r.collected(
      "gyre_prediction_log_written_total",
      "Prediction log entries handed to the sink.",
      "counter",
      [],
      logCount("written"),
    );
    r.collected(
      "gyre_prediction_log_dropped_total",
      "Prediction log entries dropped because the log's queue was full.",
      "counter",
      [],
      logCount("dropped"),
    );
    r.collected(
      "gyre_prediction_log_failed_total",
      "Prediction log entries lost in a failed write.",
      "counter",
      [],
      logCount("failed"),
    );
    r.collected(
      "gyre_prediction_log_queued_entries",
      "Prediction log entries waiting to be written.",
      "gauge",
      [],
      () => [[[], this.logs.reduce((sum, stats) => sum + stats().queued, 0)] as const],
    );
  }

  /** Reports a prediction log's counts (a process has one; several add up). */
  watchPredictionLog(log: { readonly stats: PredictionLogStats }): void {
    this.logs.push(() => log.stats);
  }

  /** The routes' observer calls this once per inference request. */
  observeInference(outcome: InferenceOutcome): void {
    const served = outcome.served;
    // A routing table's models are long-lived objects: their series are found without building a key.
    const cached = served ? this.byServed.get(served) : undefined;
    const series = cached?.protocol === outcome.protocol ? cached.series : undefined;
    if (series && outcome.status < 400) {
      series.requests.value++;
      series.latency.observe(outcome.latencyMs / 1000);
      return;
    }
    const model = served?.name ?? "";
    const version = served?.version ?? "";
    const arm = served?.arm ?? "";
    const found = this.count(model, version, arm, outcome.protocol, outcome.status, outcome.latencyMs);
    if (served) this.byServed.set(served, { protocol: outcome.protocol, series: found });
  }

  batchObserver(deployment: string, version: string | undefined): (rows: number) => void {
    // Created on the first run, so a version that never loads leaves no empty series behind.
    let series: HistogramSeries | undefined;
    return (rows) => {
      series ??= this.batchRows.labels([deployment, version ?? ""]);
      series.observe(rows);
    };
  }

  loaded(deployment: string, version: string | undefined, runtime: ModelRuntime): void {
    this.runtimes.set(runtime, [deployment, version ?? ""]);
  }

  released(_deployment: string, _version: string | undefined, runtime: ModelRuntime): void {
    this.runtimes.delete(runtime);
  }

  applied(deployment: string, spec: DeploymentSpec, versioned: boolean): void {
    this.specs.set(deployment, { spec, versioned });
    this.changes.inc([deployment, "applied"]);
  }

  failed(deployment: string, _error: GyreError): void {
    this.changes.inc([deployment, "failed"]);
  }

  shadow(outcome: ShadowOutcome): void {
    const status = outcome.ok ? 200 : 500;
    this.count(
      outcome.deployment,
      outcome.version ?? "",
      "shadow",
      MIRROR_PROTOCOL,
      status,
      outcome.latencyMs,
    );
  }

  snapshot(): MetricsSnapshot {
    return this.registry.snapshot();
  }

  render(): string {
    return this.registry.render();
  }

  private count(
    model: string,
    version: string,
    arm: string,
    protocol: string,
    status: number,
    latencyMs: number,
  ): RequestSeries {
    const key = `${model}\u0001${version}\u0001${arm}\u0001${protocol}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        requests: this.requests.labels([model, version, arm, protocol]),
        latency: this.latency.labels([model, version, arm]),
      };
      this.series.set(key, series);
    }
    series.requests.value++;
    series.latency.observe(latencyMs / 1000);
    if (status >= 400) this.errors.inc([model, version, arm, protocol, String(status)]);
    return series;
  }

  private *shares(): Iterable<readonly [readonly string[], number]> {
    for (const [deployment, { spec, versioned }] of this.specs) {
      const total = spec.arms.reduce((sum, a) => sum + a.weight, 0);
      const primary = primaryArm(spec);
      const label = (version: string) => (versioned ? version : "");
      for (const [i, a] of spec.arms.entries()) {
        yield [[deployment, label(a.version), i === primary ? "primary" : "canary"], a.weight / total];
      }
      for (const s of spec.shadows) yield [[deployment, label(s.version), "shadow"], s.percent / 100];
    }
  }
}
