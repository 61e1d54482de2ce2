import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { features, GyreError, monitoring, pipelines } from "@gyre/core";
import { type PipelineEvent, type PipelineResult, runPipeline } from "@gyre/pipelines";
import { Gyre } from "@gyre/sdk";
import { DEMO_FEATURES, DEMO_SHIFT_START, DEMO_TARGET, FLIGHTS_LICENCE, FlightData } from "./demo-data.js";
import demoPipeline from "./demo-pipeline.js";
import { type ReplayWeek, replayWeek, sendLabels, versionsServed } from "./demo-replay.js";
import { AlertReceiver } from "./demo-webhook.js";
import type { Progress } from "./predict-progress.js";

/**
 * `gyre demo`: the closed loop on real flights, in one process — a Gyre server on a free port
 * over a fresh home (SQLite, local files, embedded defaults only), the continuous-training
 * pipeline run twice (the first model, then the retrain an alert triggers), and weekly traffic
 * replayed through the served deployment with labels arriving at each week's end.
 */

export const DEMO_MODEL = "flight-delay";
export const DEMO_DEPLOYMENT = "flight-delay";
export const DEMO_MONITOR = "flight-delay-weekly";
export const DEMO_TRIGGER = "retrain-on-alert";
const FEATURE_SERVICE = "flight_delay";
/** The monitor's bar: weekly accuracy of the served model on labelled traffic. */
export const DEMO_ACCURACY_FLOOR = 0.7;

export interface DemoOptions {
  readonly home: string;
  /** One flight in this many is traffic (a hash of its row number picks it). */
  readonly sampleEvery: number;
  readonly trials: number;
  /** Real seconds per replayed week: each week's traffic lands in its own monitor window. */
  readonly slotSeconds: number;
  /** The replay stops before this date (ISO). */
  readonly until: string;
  readonly progress: Progress;
}

export interface WeekPoint {
  readonly week: string;
  readonly predictions: number;
  readonly accuracy: number | null;
  readonly drift_share: number | null;
  /** The columns whose drift test failed against the reference (the model's training set). */
  readonly drifted: readonly string[];
  readonly status: string;
  readonly alert_id?: number;
  /** Versions that answered this week's requests. */
  readonly versions: Readonly<Record<string, number>>;
}

export interface PipelineStory {
  readonly pipeline_run_id: string;
  readonly run_id: string;
  readonly status: string;
  readonly error?: string;
  readonly trigger?: string;
  readonly gate?: unknown;
  readonly decision?: string;
  readonly reason?: string;
  readonly model_version?: string;
}

export interface DemoStory {
  readonly server: string;
  readonly home: string;
  readonly data: { source: string; shift_start: string; training_rows: number; replayed_rows: number };
  readonly datasets: readonly string[];
  readonly feature_store: "feature service" | "local join (feature store routes absent)";
  readonly first: PipelineStory;
  readonly weeks: readonly WeekPoint[];
  readonly alert?: { id: number; week: string; breaches: unknown; webhook_deliveries: number };
  readonly retrain?: PipelineStory;
  readonly champion: { before: string; after: string };
  readonly reports: readonly string[];
  readonly seconds: number;
}

const DAY = 86_400_000;
/** Longer than the prediction log's flush interval. */
const LOG_FLUSH_MS = 600;
/**
 * Steps that keep the one process's CPU busy: the replay waits while they run, so every
 * replayed week still fits its monitor window (time in the replay is simulated anyway).
 */
const HEAVY_STEPS = new Set(["validate", "training_set", "train", "evaluate", "gate"]);

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function weeksBetween(from: string, until: string): { start: string; end: string }[] {
  const weeks: { start: string; end: string }[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${until}T00:00:00Z`); t += 7 * DAY) {
    weeks.push({ start: isoDay(t), end: isoDay(Math.min(t + 7 * DAY, Date.parse(`${until}T00:00:00Z`))) });
  }
  return weeks;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** The expectation suite both data sets of every pipeline run must pass. */
const SUITE = {
  name: "flights-labelled",
  expectations: [
    { kind: "row_count", min: 100 },
    { kind: "column_exists", column: "origin" },
    { kind: "missing_share", column: "origin", max: 0 },
    { kind: "values_in_range", column: "distance", min: 1, max: 6000 },
    { kind: "values_in_range", column: "dep_hour", min: 0, max: 24 },
    { kind: "values_in_set", column: DEMO_TARGET, values: [0, 1] },
  ],
};

/** Gate thresholds: `gyre test`'s schema. */
export const DEMO_THRESHOLDS = {
  roc_auc: { max_drop: 0.002 },
  log_loss: { max_increase: 0.01 },
  latency_p99_ms: { max: 100 },
  slices: { column: "origin", metric: "accuracy", max_drop: 0.1, min_rows: 100 },
};

/** The feature repository: airport statistics of the previous day, per origin. */
function repository(statsFile: string) {
  return {
    entities: [{ name: "airport", join_keys: [{ name: "origin", type: "string" as const }] }],
    sources: [{ name: "airport_daily_source", path: statsFile }],
    feature_views: [
      {
        name: "airport_daily",
        entities: ["airport"],
        source: "airport_daily_source",
        event_timestamp_column: "event_timestamp",
        ttl_seconds: 7 * 86_400,
        features: [
          { name: "origin_late_share", type: "float64" as const },
          { name: "origin_mean_delay", type: "float64" as const },
          { name: "origin_flights", type: "int64" as const },
        ],
      },
    ],
    feature_services: [
      {
        name: FEATURE_SERVICE,
        features: ["airport_daily:origin_late_share", "airport_daily:origin_mean_delay"],
      },
    ],
  };
}

function isMissingRoute(error: unknown): boolean {
  return (
    error instanceof GyreError && (error.code === "ENDPOINT_NOT_FOUND" || error.code === "NOT_IMPLEMENTED")
  );
}

class DemoRun {
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
        repository: repository(this.data.airportStats) as never,
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

export async function runDemo(options: DemoOptions): Promise<DemoStory> {
  const started = Date.now();
  const { createGyre, embeddedDefaults } = await import("@gyre/server");
  const defaults = embeddedDefaults(options.home);
  const server = await createGyre({
    backendStoreUri: defaults.backendStoreUri,
    artifactsDestination: defaults.artifactsDestination,
    host: "127.0.0.1",
    port: 0,
    logLevel: false,
    serveDeployments: true,
    deploymentPollMs: 250,
  });
  const receiver = await AlertReceiver.start();
  let data: FlightData | undefined;
  try {
    const url = await server.listen();
    const gyre = new Gyre({ trackingUri: url });
    options.progress.note(`demo: Gyre server on ${url}, home ${options.home}`);
    options.progress.note(`demo: reading ${FLIGHTS_LICENCE}, one flight in ${options.sampleEvery}`);
    data = await FlightData.open(join(options.home, "data"), { sampleEvery: options.sampleEvery });
    const demo = new DemoRun(options, gyre, url, data);
    await demo.applyFeatures();

    // 1. The first model: January's flights, the last week held out.
    // Whole weeks (Thursday to Thursday), so the reference holds every weekday equally often.
    const train = await demo.registerWindow("flights-train", "train-v1", "2001-01-04", "2001-01-25");
    const holdout = await demo.registerWindow("flights-holdout", "holdout-v1", "2001-01-25", "2001-02-01");
    demo.note(
      `registered ${train} and ${holdout}; running the continuous-training pipeline for the first model`,
    );
    const first = await runPipeline(demoPipeline, {
      trackingUri: url,
      gyre,
      params: demo.params(train, holdout),
      experiment: "flight-delay",
      module: fileURLToPath(new URL("./demo-pipeline.js", import.meta.url)),
      onEvent: demo.onPipelineEvent("first model"),
    });
    const firstStory = demo.story(first);
    if (first.status !== "SUCCEEDED") {
      throw new GyreError(
        "INTERNAL_ERROR",
        `The first pipeline run ${first.id} ended ${first.status}: ${first.error ?? ""}`,
      );
    }
    const championBefore = await demo.champion();

    // 2. Watch it: a monitor on the deployment, its alert triggering the same pipeline.
    await gyre.client.call(monitoring.createMonitor, {
      name: DEMO_MONITOR,
      spec: {
        target: { deployment: DEMO_DEPLOYMENT },
        window_seconds: options.slotSeconds,
        task: "classification",
        thresholds: [{ metric: "accuracy", min: DEMO_ACCURACY_FLOOR }],
        // 229 airports: a week of traffic differs from the reference by JS ≈ 0.13 from sampling alone.
        drift: {
          enabled: true,
          columns: [...DEMO_FEATURES],
          column_thresholds: { origin: 0.2, destination: 0.2 },
        },
        reference: { kind: "training" },
        alert: { fire_after: 2, resolve_after: 2 },
        webhooks: [{ url: receiver.url, secret: "gyre-demo" }],
      } as never,
    });
    await gyre.client.call(pipelines.createPipelineTrigger, {
      name: DEMO_TRIGGER,
      pipeline: demoPipeline.name,
      module: fileURLToPath(new URL("./demo-pipeline.js", import.meta.url)),
      spec: { kind: "alert", monitor: DEMO_MONITOR },
      params: {},
      executor: "local",
    });
    demo.note(
      `monitor '${DEMO_MONITOR}' (accuracy ≥ ${DEMO_ACCURACY_FLOOR}, drift per feature, fires after 2 bad weeks) and trigger '${DEMO_TRIGGER}' → pipeline '${demoPipeline.name}'`,
    );

    // 3. Replay February to June, a week per slot; labels arrive at each week's end.
    const replayFile = await demo.replayTable();
    const replayRows = await data.rows(replayFile);
    const weeks = weeksBetween("2001-02-01", options.until);
    options.progress.note(
      `demo: replaying ${replayRows.length.toLocaleString("en-US")} flights over ${weeks.length} weeks through /serving/${DEMO_DEPLOYMENT} (shifted from ${DEMO_SHIFT_START}: see 'gyre demo --help')`,
    );
    options.progress.start(replayRows.length);
    const points: WeekPoint[] = [];
    let alert: DemoStory["alert"];
    let retrain: Promise<PipelineResult> | undefined;
    let retrainTrigger: string | undefined;
    let firstEvaluation = 0;
    let cursor = 0;
    for (const [index, week] of weeks.entries()) {
      await demo.idle();
      const slotStart = Date.now();
      const end = Date.parse(`${week.end}T00:00:00Z`);
      const rows: Record<string, unknown>[] = [];
      while (cursor < replayRows.length && (replayRows[cursor]!.event_timestamp as Date).getTime() < end) {
        rows.push(replayRows[cursor++]!);
      }
      const replayed: ReplayWeek = await replayWeek(
        `${url}/serving/${DEMO_DEPLOYMENT}`,
        `w${index}`,
        rows,
        (n) => options.progress.advance(n),
      );
      // The prediction log reaches the store within its flush interval (250 ms): wait past it.
      await sleep(Math.max(slotStart + options.slotSeconds * 1000, Date.now() + LOG_FLUSH_MS) - Date.now());
      await sendLabels(gyre, replayed.labels);
      const { evaluation } = await gyre.client.call(monitoring.runMonitor, {
        name: DEMO_MONITOR,
        window_end: slotStart + options.slotSeconds * 1000,
      });
      if (firstEvaluation === 0) firstEvaluation = evaluation.number;
      const versions = await versionsServed(
        gyre,
        DEMO_DEPLOYMENT,
        slotStart,
        slotStart + options.slotSeconds * 1000,
      );
      const drifted = await demo.driftedColumns(evaluation.number);
      points.push({
        week: week.start,
        predictions: rows.length,
        accuracy: evaluation.values.accuracy ?? null,
        drift_share: evaluation.values.drift_share ?? null,
        drifted,
        status: evaluation.status,
        ...(evaluation.alert_id !== undefined ? { alert_id: evaluation.alert_id } : {}),
        versions,
      });
      const accuracy = evaluation.values.accuracy;
      demo.note(
        `week of ${week.start}: ${rows.length} flights, accuracy ${accuracy == null ? "-" : accuracy.toFixed(3)}, drifted ${drifted.join(" ") || "-"}, ${evaluation.status}${Object.keys(versions).length > 1 ? `, served by versions ${JSON.stringify(versions)}` : ""}`,
      );
      // The trigger: new alert events fire the pipeline once each, with this week's data windows.
      if (!retrain) {
        const { events } = await gyre.client.call(pipelines.pollPipelineTrigger, { name: DEMO_TRIGGER });
        const event = events?.[0];
        if (event) {
          const alerts = await gyre.client.call(monitoring.listAlerts, {
            monitor: DEMO_MONITOR,
            state: "firing",
          });
          const fired = alerts.alerts[0];
          alert = {
            id: fired?.id ?? 0,
            week: week.start,
            breaches: fired?.details.breaches ?? evaluation.breaches,
            webhook_deliveries: 0,
          };
          await demo.saveReport(evaluation.number, `alert-week-${week.start}`);
          // Retrain on the two weeks of labelled traffic before this one; hold this week out.
          const windowStart = isoDay(end - 21 * DAY);
          const split = isoDay(end - 7 * DAY);
          const trainUri = await demo.registerWindow(
            "flights-train",
            `train-${week.start}`,
            windowStart,
            split,
          );
          const holdoutUri = await demo.registerWindow(
            "flights-holdout",
            `holdout-${week.start}`,
            split,
            week.end,
          );
          const fire = await gyre.client.call(pipelines.firePipelineTrigger, {
            name: DEMO_TRIGGER,
            event_key: event.key,
            cursor: event.cursor,
            params: { ...event.params, ...textParams(demo.params(trainUri, holdoutUri)) },
          });
          demo.note(
            `alert ${alert.id} fired → trigger '${DEMO_TRIGGER}' started pipeline run ${fire.pipeline_run?.id} (retrain on ${windowStart}…${week.end})`,
          );
          retrainTrigger = DEMO_TRIGGER;
          demo.busy.add("retrain");
          retrain = runPipeline(demoPipeline, {
            trackingUri: url,
            gyre,
            params: demo.params(trainUri, holdoutUri),
            experiment: "flight-delay",
            module: fileURLToPath(new URL("./demo-pipeline.js", import.meta.url)),
            ...(fire.pipeline_run ? { pipelineRunId: fire.pipeline_run.id } : {}),
            onEvent: demo.onPipelineEvent("retrain"),
          });
          // A failed run must not surface as an unhandled rejection while the replay goes on.
          retrain.catch(() => {}).finally(() => demo.busy.delete("retrain"));
        }
      }
    }
    options.progress.finish();
    const retrainResult = retrain ? await retrain : undefined;
    // Only deliveries whose HMAC signature checks out count.
    if (alert) alert = { ...alert, webhook_deliveries: receiver.deliveries.filter((d) => d.signed).length };
    const last = points.length - 1;
    if (last >= 0) await demo.saveReport(firstEvaluation + last, `final-week-${points[last]!.week}`);
    return {
      server: url,
      home: options.home,
      data: {
        source: FLIGHTS_LICENCE,
        shift_start: DEMO_SHIFT_START,
        training_rows: demo.rows.get(train) ?? 0,
        replayed_rows: replayRows.length,
      },
      datasets: demo.datasets,
      feature_store: demo.featureStoreLabel,
      first: firstStory,
      weeks: points,
      ...(alert ? { alert } : {}),
      ...(retrainResult ? { retrain: demo.story(retrainResult, retrainTrigger) } : {}),
      champion: { before: championBefore, after: await demo.champion() },
      reports: demo.reports,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    data?.close();
    await receiver.close();
    await server.close();
  }
}

/** Pipeline run params as the trigger records them: text, JSON for objects. */
function textParams(params: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}
