import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { features, GyreError, monitoring } from "@gyre/core";
import type { PipelineEvent, PipelineResult } from "@gyre/pipelines";
import type { Gyre } from "@gyre/sdk";
import { DEMO_TARGET, type FlightData } from "./demo-data.js";
import {
  DEMO_DEPLOYMENT,
  DEMO_MODEL,
  DEMO_MONITOR,
  DEMO_THRESHOLDS,
  type DemoOptions,
  type DemoStory,
  FEATURE_SERVICE,
  type PipelineStory,
  repository,
  SUITE,
} from "./demo-spec.js";

/**
 * Steps that keep the one process's CPU busy: the replay waits while they run, so every
 * replayed week still fits its monitor window (time in the replay is simulated anyway).
 */
const HEAVY_STEPS = new Set(["validate", "training_set", "train", "evaluate", "gate"]);

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function isMissingRoute(error: unknown): boolean {
  return (
    error instanceof GyreError && (error.code === "ENDPOINT_NOT_FOUND" || error.code === "NOT_IMPLEMENTED")
  );
}

/** One demo's state and its calls to the server: datasets, features, pipeline parameters and events, reports. */
export class DemoSession {
  readonly reports: string[] = [];
  readonly datasets: string[] = [];
  /** Rows of each registered window, by dataset URI. */
  readonly rows = new Map<string, number>();
  private useFeatureStore = true;

  constructor(
    readonly options: DemoOptions,
    readonly gyre: Gyre,
    readonly trackingUri: string,
    readonly data: FlightData,
  ) {}

  note(text: string): void {
    this.options.progress.note(`demo: ${text}`);
  }

  /** Registers a window of labelled flights (joined locally when the feature store is absent). */
  async registerWindow(name: string, file: string, from: string, to: string): Promise<string> {
    const window = await this.data.window(file, from, to);
    let path = window.path;
    if (!this.useFeatureStore) {
      path = join(this.data.dir, `${file}-joined.parquet`);
      await this.data.joinAirportStats(window.path, path);
    }
    const dataset = await this.gyre.registerDataset(path, { name, transfer: "path" });
    this.datasets.push(dataset.uri);
    this.rows.set(dataset.uri, window.rows);
    return dataset.uri;
  }

  async applyFeatures(): Promise<void> {
    try {
      const plan = await this.gyre.client.call(features.applyFeatures, {
        repository: repository(this.data.airportStats),
      });
      this.note(
        `feature store: applied ${plan.changes.length} objects (feature service '${FEATURE_SERVICE}')`,
      );
    } catch (error) {
      if (!isMissingRoute(error)) throw error;
      this.useFeatureStore = false;
      this.note("feature store routes absent: joining airport statistics locally (same point-in-time rule)");
    }
  }

  get featureStoreLabel(): DemoStory["feature_store"] {
    return this.useFeatureStore ? "feature service" : "local join (feature store routes absent)";
  }

  /** Every replayed flight with its features as of its departure, in one point-in-time join. */
  async replayTable(): Promise<string> {
    const window = await this.data.window("replay", "2001-02-01", this.options.until);
    const output = join(this.data.dir, "replay-joined.parquet");
    if (!this.useFeatureStore) {
      await this.data.joinAirportStats(window.path, output);
      return output;
    }
    const answer = await this.gyre.client.call(features.getHistoricalFeatures, {
      entity_path: window.path,
      timestamp_column: "event_timestamp",
      feature_service: FEATURE_SERVICE,
      full_feature_names: false,
      output_path: output,
    });
    this.note(
      `features for ${answer.rows.toLocaleString("en-US")} replayed flights in ${answer.seconds.toFixed(1)} s`,
    );
    return output;
  }

  params(dataset: string, holdout: string): Record<string, unknown> {
    return {
      dataset,
      holdout,
      suite: SUITE,
      feature_service: this.useFeatureStore ? FEATURE_SERVICE : "",
      timestamp_column: "event_timestamp",
      target: DEMO_TARGET,
      model_name: DEMO_MODEL,
      model_type: "hist_gradient_boosting",
      trials: this.options.trials,
      thresholds: DEMO_THRESHOLDS,
      deployment: DEMO_DEPLOYMENT,
      rollout: "canary",
      percent: 25,
      online_metric: "log_loss",
      online_max_drop: 0.01,
      online_min_labels: 100,
      online_timeout_s: 60,
    };
  }

  /** Pipeline runs holding the replay (see HEAVY_STEPS). */
  readonly busy = new Set<string>();

  async idle(): Promise<void> {
    while (this.busy.size > 0) await sleep(100);
  }

  onPipelineEvent = (label: string) => (event: PipelineEvent) => {
    // From its start until its gate has decided, a pipeline run holds the replay.
    if (event.type === "pipeline" && event.status !== "QUEUED" && event.status !== "RUNNING")
      this.busy.delete(label);
    if (event.type === "step" && !HEAVY_STEPS.has(event.step)) this.busy.delete(label);
    if (
      event.type === "step" &&
      (event.status === "SUCCEEDED" || event.status === "FAILED" || event.status === "CACHED")
    ) {
      const took = event.durationMs === undefined ? "" : ` in ${(event.durationMs / 1000).toFixed(1)} s`;
      this.note(
        `${label}: ${event.step} ${event.status.toLowerCase()}${took}${event.error ? `: ${event.error.split("\n")[0]}` : ""}`,
      );
    }
  };

  story(result: PipelineResult, trigger?: string): PipelineStory {
    const out = (step: string) => result.steps[step]?.outputs ?? {};
    return {
      pipeline_run_id: result.id,
      run_id: result.runId,
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
      ...(trigger ? { trigger } : {}),
      ...(out("evaluate").report !== undefined ? { gate: out("evaluate").report } : {}),
      ...(typeof out("promote").decision === "string" ? { decision: out("promote").decision as string } : {}),
      ...(typeof out("promote").reason === "string" ? { reason: out("promote").reason as string } : {}),
      ...(typeof out("register").version === "string"
        ? { model_version: out("register").version as string }
        : {}),
    };
  }

  async champion(): Promise<string> {
    try {
      const version = await this.gyre.getModelVersionByAlias(DEMO_MODEL, "champion");
      return `models:/${DEMO_MODEL}/${version.version}`;
    } catch {
      return "none";
    }
  }

  /** The drifted columns of an evaluation, from its JSON report. */
  async driftedColumns(evaluation: number): Promise<string[]> {
    const { report } = await this.gyre.client.call(monitoring.getMonitorReport, {
      name: DEMO_MONITOR,
      evaluation,
      format: "json",
    });
    const drift = (
      report.details as { drift?: { columns?: { name: string; drifted: boolean }[] } } | undefined
    )?.drift;
    return (drift?.columns ?? []).filter((c) => c.drifted).map((c) => c.name);
  }

  async saveReport(evaluation: number, label: string): Promise<string | undefined> {
    try {
      const answer = await this.gyre.client.call(monitoring.getMonitorReport, {
        name: DEMO_MONITOR,
        evaluation,
        format: "html",
      });
      if (!answer.html) return undefined;
      const dir = join(this.options.home, "reports");
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${label}.html`);
      await writeFile(file, answer.html);
      this.reports.push(file);
      return file;
    } catch (error) {
      this.note(`no report for evaluation ${evaluation}: ${(error as Error).message}`);
      return undefined;
    }
  }
}
