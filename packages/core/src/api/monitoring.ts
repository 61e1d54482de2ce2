import { z } from "zod";
import { defineRoute } from "./contract.js";
import { bool, int32, int64, requiredString } from "./wire.js";

/**
 * Monitoring: the prediction store (what deployments answered), ground truth by request id,
 * monitors (a target, a schedule, a window, metrics with thresholds, hysteresis, webhooks), their
 * evaluations (one time-series point each, with a JSON and an HTML report) and alerts. Gyre's own
 * routes under `/api/2.0/gyre/monitoring`.
 */

const BASE = "/api/2.0/gyre/monitoring";
const TAG = "Monitoring";

/** Letters, digits, '.', '_' and '-', starting with a letter or digit (a URL path segment). */
export const MONITOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const monitorName = z
  .string()
  .regex(
    MONITOR_NAME,
    "must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 128 characters)",
  );

/** Every figure an evaluation may produce; thresholds name one of these. */
export const MONITOR_METRICS = [
  // performance, with labels
  "accuracy",
  "precision",
  "recall",
  "f1",
  "roc_auc",
  "log_loss",
  "rmse",
  "mae",
  "r2",
  // data quality
  "missing_rate",
  "out_of_range_rate",
  "new_category_rate",
  "signature_violations",
  "drift_share",
  // operational
  "latency_p50_ms",
  "latency_p99_ms",
  "error_rate",
  "throughput_rps",
  "prediction_count",
  "labeled_count",
] as const;
export type MonitorMetric = (typeof MONITOR_METRICS)[number];

/** Drift methods by the names the CLI, API and reports use. */
export const DRIFT_METHODS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "kl"] as const;

export const ARMS = ["primary", "canary", "shadow"] as const;

/** Text the prediction store compares with: non-empty, and no NUL (neither database stores one). */
const sqlText = () =>
  requiredString().refine((text) => !text.includes("\u0000"), "cannot hold a NUL character");

const labelValue = z.union([z.number(), z.string(), z.boolean()], {
  error: "a label is a number, a string or a boolean",
});

export const LabelEntry = z.object({
  request_id: sqlText(),
  /** The row of a multi-row request (default 0). */
  row: z.number().int().nonnegative("row is a row index (0 or more)").optional(),
  value: labelValue,
});
export type LabelEntry = z.output<typeof LabelEntry>;

export const MonitorTarget = z
  .object({
    /** A registered model: every deployment serving it (and `gyre serve` logs ingested under its name). */
    model: sqlText().optional(),
    /** A named deployment. */
    deployment: sqlText().optional(),
    /** Narrow to one model version or deployment arm. */
    version: z.string().regex(/^\d+$/, "a version is a number").optional(),
    arm: z.enum(ARMS).optional(),
  })
  .refine((t) => t.model !== undefined || t.deployment !== undefined, {
    message: "name a model or a deployment",
    path: ["model"],
  });
export type MonitorTarget = z.output<typeof MonitorTarget>;

export const MonitorThreshold = z
  .object({
    metric: z.enum(MONITOR_METRICS),
    /** A breach is a value below `min` or above `max`. */
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((t) => t.min !== undefined || t.max !== undefined, {
    message: "a threshold needs min, max or both",
    path: ["min"],
  });
export type MonitorThreshold = z.output<typeof MonitorThreshold>;

export const MonitorReference = z.discriminatedUnion("kind", [
  /** The training dataset of the version being monitored (its source run's `training` input). */
  z.object({ kind: z.literal("training") }),
  /** A registered dataset version, `name@3` or `name` (latest). */
  z.object({ kind: z.literal("dataset"), dataset: requiredString() }),
  /** A fixed window of production traffic of the same target, [start, end) in ms. */
  z.object({ kind: z.literal("window"), start: z.number().int(), end: z.number().int() }),
]);
export type MonitorReference = z.output<typeof MonitorReference>;

export const MonitorWebhook = z.object({
  url: z.url({ protocol: /^https?$/, error: "a webhook URL is http:// or https://" }),
  /** Signs each delivery: `X-Gyre-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret: z.string().min(1).optional(),
});

export const MonitorSpec = z.object({
  target: MonitorTarget,
  /** A cron expression (5 or 6 fields, UTC); without one the monitor runs only when asked. */
  schedule: z.string().min(1).optional(),
  /** Each evaluation looks at the last `window_seconds` before it runs. */
  window_seconds: z.number().int().positive("window_seconds is a positive number of seconds").default(3600),
  /** How to read outputs and labels; inferred from the outputs when absent. */
  task: z.enum(["classification", "regression"]).optional(),
  /** The output holding the predicted class or value (default: `label`/`variable`/the first). */
  prediction_output: z.string().min(1).optional(),
  /** The output holding class probabilities (default: `probability`/`probabilities`). */
  score_output: z.string().min(1).optional(),
  /** Binary tasks: the positive class (default 1, or the larger of the two classes). */
  positive_class: z.union([z.number(), z.string()]).optional(),
  thresholds: z.array(MonitorThreshold).default([]),
  drift: z
    .object({
      enabled: z.boolean().default(true),
      /**
       * Columns to test; default every input column, and `prediction` (the predicted class or value)
       * and `label` (the ground truth) when the reference has them: a production-window reference
       * always does, a dataset reference through `target_column`.
       */
      columns: z.array(z.string().min(1)).optional(),
      /** The reference dataset's target column: compared with the window's labels and predictions. */
      target_column: z.string().min(1).optional(),
      /** The dataset drifts when this share of tested columns drifts. */
      drift_share: z.number().gt(0).lte(1).default(0.5),
      /** Per-column method overrides, `{column: "ks"}`. */
      methods: z.record(z.string(), z.enum(DRIFT_METHODS)).optional(),
      /** Per-column threshold overrides. */
      column_thresholds: z.record(z.string(), z.number()).optional(),
    })
    .default({ enabled: true, drift_share: 0.5 }),
  reference: MonitorReference.default({ kind: "training" }),
  /** Hysteresis: fire after `fire_after` breaching evaluations in a row, resolve after `resolve_after` OK ones. */
  alert: z
    .object({
      fire_after: z.number().int().min(1).default(1),
      resolve_after: z.number().int().min(1).default(1),
    })
    .default({ fire_after: 1, resolve_after: 1 }),
  webhooks: z.array(MonitorWebhook).default([]),
});
export type MonitorSpec = z.output<typeof MonitorSpec>;
export type MonitorSpecInput = z.input<typeof MonitorSpec>;

export const Monitor = z.object({
  name: z.string(),
  /** Webhook secrets are never returned (shown as "***"). */
  spec: MonitorSpec,
  creator: z.string(),
  creation_timestamp: z.number().int(),
  last_updated_timestamp: z.number().int(),
  evaluations: z.number().int(),
  consecutive_breaches: z.number().int(),
  consecutive_ok: z.number().int(),
  /** The alert firing now, if any. */
  open_alert_id: z.number().int().optional(),
  next_run_timestamp: z.number().int().optional(),
});
export type Monitor = z.output<typeof Monitor>;

export const Breach = z.object({
  metric: z.enum(MONITOR_METRICS),
  value: z.number(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type Breach = z.output<typeof Breach>;

export const Evaluation = z.object({
  monitor: z.string(),
  /** 1, 2, … per monitor: the point's index in the time series. */
  number: z.number().int(),
  window_start: z.number().int(),
  window_end: z.number().int(),
  evaluated_at: z.number().int(),
  /** `breach`: a threshold was crossed; `no_data`: no prediction in the window. */
  status: z.enum(["ok", "breach", "no_data"]),
  /** Metric → value; null where it cannot be computed (no labels, one class only, …). */
  values: z.record(z.string(), z.number().nullable()),
  breaches: z.array(Breach),
  /** The alert this evaluation fired or kept firing. */
  alert_id: z.number().int().optional(),
});
export type Evaluation = z.output<typeof Evaluation>;

export const Alert = z.object({
  id: z.number().int(),
  monitor_name: z.string(),
  state: z.enum(["firing", "resolved"]),
  fired_at: z.number().int(),
  resolved_at: z.number().int().optional(),
  acknowledged_at: z.number().int().optional(),
  acknowledged_by: z.string().optional(),
  /** The evaluation that fired it, its breaches and values. */
  details: z.record(z.string(), z.unknown()),
});
export type Alert = z.output<typeof Alert>;

export const StoredPrediction = z.object({
  request_id: z.string(),
  row: z.number().int(),
  timestamp: z.number().int(),
  model: z.string(),
  deployment: z.string().optional(),
  version: z.string().optional(),
  arm: z.string().optional(),
  latency_ms: z.number(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()),
  label: labelValue.optional(),
  label_timestamp: z.number().int().optional(),
});

const actor = { user_id: z.string().optional() };

export const logLabels = defineRoute({
  operation: "logLabels",
  methods: ["POST"],
  path: `${BASE}/labels`,
  tag: TAG,
  summary:
    "Ground truth for predictions, by request id (and row). A later label for the same row replaces an earlier one: last write wins, by arrival.",
  request: z.object({
    labels: z
      .array(LabelEntry)
      .min(1, "send at least one label")
      .max(100_000, "at most 100,000 labels per call"),
  }),
  response: z.object({ stored: z.number().int() }),
});

export const searchPredictions = defineRoute({
  operation: "searchPredictions",
  methods: ["GET", "POST"],
  path: `${BASE}/predictions`,
  tag: TAG,
  summary: "Logged predictions with their latest labels, by model, deployment, version, arm and time window.",
  request: z.object({
    model: sqlText().optional(),
    deployment: sqlText().optional(),
    version: sqlText().optional(),
    arm: z.enum(ARMS).optional(),
    /** ms since the epoch, inclusive. */
    start_time: int64().optional(),
    /** ms since the epoch, exclusive. */
    end_time: int64().optional(),
    labeled_only: bool().optional(),
    /** The newest rows are kept; default 1000, at most 100,000. */
    max_results: int32()
      .refine((n) => n >= 1 && n <= 100_000, "max_results is from 1 to 100,000")
      .optional(),
  }),
  response: z.object({ predictions: z.array(StoredPrediction) }),
});

export const createMonitor = defineRoute({
  operation: "createMonitor",
  methods: ["POST"],
  path: `${BASE}/monitors/create`,
  tag: TAG,
  summary: "Create a monitor: a model or deployment, a cron schedule, a window, metrics with thresholds.",
  request: z.object({ name: monitorName, spec: MonitorSpec, ...actor }),
  response: z.object({ monitor: Monitor }),
});

export const getMonitor = defineRoute({
  operation: "getMonitor",
  methods: ["GET"],
  path: `${BASE}/monitors/get`,
  tag: TAG,
  summary: "One monitor, with its hysteresis state.",
  request: z.object({ name: requiredString() }),
  response: z.object({ monitor: Monitor }),
});

export const listMonitors = defineRoute({
  operation: "listMonitors",
  methods: ["GET"],
  path: `${BASE}/monitors/list`,
  tag: TAG,
  summary: "Every monitor, by name.",
  request: z.object({}),
  response: z.object({ monitors: z.array(Monitor) }),
});

export const deleteMonitor = defineRoute({
  operation: "deleteMonitor",
  methods: ["DELETE", "POST"],
  path: `${BASE}/monitors/delete`,
  tag: TAG,
  summary: "Delete a monitor and its evaluations; its alerts stay in the history (a firing one is resolved).",
  request: z.object({ name: requiredString() }),
  response: z.object({}),
});

export const runMonitor = defineRoute({
  operation: "runMonitor",
  methods: ["POST"],
  path: `${BASE}/monitors/run`,
  tag: TAG,
  summary:
    "Evaluate a monitor now over the window ending at `window_end` (default now): store the point and its reports, update alerts.",
  request: z.object({ name: requiredString(), window_end: int64().optional() }),
  response: z.object({ evaluation: Evaluation }),
});

export const listEvaluations = defineRoute({
  operation: "listEvaluations",
  methods: ["GET"],
  path: `${BASE}/monitors/evaluations`,
  tag: TAG,
  summary: "A monitor's time series: its evaluations, oldest first (the last `max_results`).",
  request: z.object({
    name: requiredString(),
    max_results: int32()
      .refine((n) => n >= 1 && n <= 10_000, "max_results is from 1 to 10,000")
      .optional(),
  }),
  response: z.object({ evaluations: z.array(Evaluation) }),
});

export const getMonitorReport = defineRoute({
  operation: "getMonitorReport",
  methods: ["GET"],
  path: `${BASE}/monitors/report`,
  tag: TAG,
  summary:
    "An evaluation's report (default the latest): JSON, and with format=html also the self-contained HTML page.",
  request: z.object({
    name: requiredString(),
    evaluation: int32().optional(),
    format: z.enum(["json", "html"]).default("json"),
  }),
  response: z.object({
    evaluation: Evaluation,
    report: z.record(z.string(), z.unknown()),
    html: z.string().optional(),
    /** Where the files are kept (downloadable through the artifact proxy). */
    artifact_uri: z.string().optional(),
  }),
});

export const listAlerts = defineRoute({
  operation: "listAlerts",
  methods: ["GET"],
  path: `${BASE}/alerts`,
  tag: TAG,
  summary: "Alert history, newest first; `after_id` returns only newer alerts, oldest first (for pollers).",
  request: z.object({
    monitor: z.string().min(1).optional(),
    state: z.enum(["firing", "resolved"]).optional(),
    after_id: int64().optional(),
    max_results: int32()
      .refine((n) => n >= 1 && n <= 10_000, "max_results is from 1 to 10,000")
      .optional(),
  }),
  response: z.object({ alerts: z.array(Alert) }),
});

export const acknowledgeAlert = defineRoute({
  operation: "acknowledgeAlert",
  methods: ["POST"],
  path: `${BASE}/alerts/acknowledge`,
  tag: TAG,
  summary: "Acknowledge an alert (who and when are recorded; acknowledging again keeps the first).",
  request: z.object({ id: int64(), ...actor }),
  response: z.object({ alert: Alert }),
});

export const explainPrediction = defineRoute({
  operation: "explainPrediction",
  methods: ["GET"],
  path: `${BASE}/explain`,
  tag: TAG,
  summary:
    "Exact TreeSHAP attributions of one logged prediction of a tree model trained with @gyre/ml (its pipeline.json): per model feature and output, with the expected value.",
  request: z.object({
    request_id: sqlText(),
    row: int32().optional(),
    /** Which answer when several versions gave one (shadows); default the primary's. */
    version: sqlText().optional(),
  }),
  response: z.object({
    request_id: z.string(),
    row: z.number().int(),
    model: z.string(),
    version: z.string(),
    /** Raw model outputs explained (class fractions for forests, log-odds for boosting). */
    outputs: z.array(z.string()),
    expected_value: z.array(z.number()),
    /** Sorted by the largest absolute contribution first; values[k] is for outputs[k]. */
    attributions: z.array(z.object({ feature: z.string(), values: z.array(z.number()) })),
  }),
});

export const computeImportance = defineRoute({
  operation: "computeImportance",
  methods: ["POST"],
  path: `${BASE}/importance`,
  tag: TAG,
  summary:
    "Permutation importance of a model version (trained with @gyre/ml) on its labeled production predictions in a window: the score drop when each input column is shuffled.",
  request: z.object({
    model: sqlText(),
    version: z
      .union([z.string().regex(/^\d+$/, "a version is a number"), z.number().int().positive()])
      .transform(String),
    /** ms since the epoch; default the last 7 days. */
    start_time: int64().optional(),
    end_time: int64().optional(),
    n_repeats: z.number().int().min(1).max(50).default(5),
    seed: z.number().int().default(0),
  }),
  response: z.object({
    model: z.string(),
    version: z.string(),
    rows: z.number().int(),
    /** accuracy (classifiers) or r2 (regressors). */
    metric: z.string(),
    baseline_score: z.number(),
    importances: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number() })),
  }),
});

export const monitoringRoutes = [
  logLabels,
  searchPredictions,
  createMonitor,
  getMonitor,
  listMonitors,
  deleteMonitor,
  runMonitor,
  listEvaluations,
  getMonitorReport,
  listAlerts,
  acknowledgeAlert,
  explainPrediction,
  computeImportance,
] as const;
