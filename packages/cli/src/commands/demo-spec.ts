import { DEMO_TARGET } from "./demo-data.js";
import type { Progress } from "./predict-progress.js";

/** What `gyre demo` creates and measures: names, the suite, the gate, the feature repository, the story's shape. */

export const DEMO_MODEL = "flight-delay";
export const DEMO_DEPLOYMENT = "flight-delay";
export const DEMO_MONITOR = "flight-delay-weekly";
export const DEMO_TRIGGER = "retrain-on-alert";
export const FEATURE_SERVICE = "flight_delay";
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

/** The expectation suite both data sets of every pipeline run must pass. */
export const SUITE = {
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
export function repository(statsFile: string) {
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
