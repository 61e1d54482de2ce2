import { z } from "zod";

/**
 * The gate between a challenger and the champion: thresholds on offline metrics, latency and
 * slices, one schema shared by `gyre test` (a CI gate) and the continuous-training template.
 *
 * A thresholds document is an object whose keys are metric names, each holding a rule, plus
 * `slices`:
 *
 * ```json
 * { "roc_auc": { "max_drop": 0.002 },
 *   "log_loss": { "max_increase": 0.01 },
 *   "accuracy": { "min": 0.75 },
 *   "latency_p99_ms": { "max": 5 },
 *   "slices": { "column": "origin", "metric": "accuracy", "max_drop": 0.05, "min_rows": 30 } }
 * ```
 *
 * - `min` / `max` bound the challenger's own value.
 * - `max_drop` (metrics where higher is better) and `max_increase` (lower is better) bound how
 *   much worse than the champion the challenger may be, in the metric's units; they need a
 *   champion and are reported as skipped without one (the first model of a name).
 * - `slices` (one rule or a list) computes `metric` per value of `column` and applies
 *   `max_drop` / `max_increase` / `min` / `max` to every value with at least `min_rows` rows
 *   (default 30); smaller slices are listed as skipped.
 */

/** Every metric a rule may name, with the direction in which it gets better. */
export const GATE_METRICS = {
  roc_auc: "higher",
  accuracy: "higher",
  precision: "higher",
  recall: "higher",
  f1: "higher",
  log_loss: "lower",
  brier: "lower",
  rmse: "lower",
  mae: "lower",
  r2: "higher",
  latency_p50_ms: "lower",
  latency_p99_ms: "lower",
} as const;
export type GateMetric = keyof typeof GATE_METRICS;

/** Metrics of classifiers and of regressors (latency applies to both). */
export const CLASSIFICATION_METRICS = [
  "roc_auc",
  "accuracy",
  "precision",
  "recall",
  "f1",
  "log_loss",
  "brier",
] as const satisfies readonly GateMetric[];
export const REGRESSION_METRICS = ["rmse", "mae", "r2"] as const satisfies readonly GateMetric[];
export const LATENCY_METRICS = ["latency_p50_ms", "latency_p99_ms"] as const satisfies readonly GateMetric[];
const QUALITY_METRICS = [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS] as const;

const bound = z.number().finite();
const tolerance = z.number().finite().min(0, "must be ≥ 0");

const ruleShape = {
  min: bound.optional(),
  max: bound.optional(),
  max_drop: tolerance.optional(),
  max_increase: tolerance.optional(),
};
type RuleShape = { min?: number; max?: number; max_drop?: number; max_increase?: number };

function checkRule(rule: RuleShape, metric: GateMetric, ctx: z.RefinementCtx): void {
  if (Object.values(rule).every((v) => v === undefined)) {
    ctx.addIssue({ code: "custom", message: "needs at least one of min, max, max_drop, max_increase" });
  }
  const direction = GATE_METRICS[metric];
  if (direction === "lower" && rule.max_drop !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["max_drop"],
      message: `${metric} is better when lower: bound its worsening with max_increase`,
    });
  }
  if (direction === "higher" && rule.max_increase !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["max_increase"],
      message: `${metric} is better when higher: bound its worsening with max_drop`,
    });
  }
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
    ctx.addIssue({ code: "custom", path: ["min"], message: "must not exceed max" });
  }
}

function metricRule(metric: GateMetric) {
  return z.strictObject(ruleShape).superRefine((rule, ctx) => checkRule(rule, metric, ctx));
}

export const SliceRule = z
  .strictObject({
    column: z.string().min(1, "must name a column of the holdout"),
    metric: z.enum(QUALITY_METRICS),
    ...ruleShape,
    min_rows: z.number().int().min(1, "must be ≥ 1").default(30),
  })
  .superRefine((rule, ctx) => checkRule(rule, rule.metric, ctx));
export type SliceRule = z.output<typeof SliceRule>;

const metricRules = Object.fromEntries(
  (Object.keys(GATE_METRICS) as GateMetric[]).map((metric) => [metric, metricRule(metric).optional()]),
) as { [M in GateMetric]: z.ZodOptional<ReturnType<typeof metricRule>> };

export const GateThresholds = z.strictObject({
  ...metricRules,
  /** One rule or a list (a single rule is read as a list of one: its fields are `slices.0.…`). */
  slices: z
    .preprocess(
      (value) => (value === undefined || Array.isArray(value) ? value : [value]),
      z.array(SliceRule),
    )
    .optional(),
});
export type GateThresholds = z.output<typeof GateThresholds>;
export type GateThresholdsInput = z.input<typeof GateThresholds>;
export type MetricRule = RuleShape;

/** Validates a parsed thresholds document; a mistake throws an Error naming each field and its rule. */
export function parseGateThresholds(value: unknown, source = "thresholds"): GateThresholds {
  const parsed = GateThresholds.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = [source, ...issue.path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(GateThresholds.shape).join(", ");
      return `${path}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")} (known: ${known}; slice rules take column, metric, min, max, max_drop, max_increase, min_rows)`;
    }
    return `${path}: ${issue.message}`;
  });
  throw new GateThresholdsError(problems);
}

export class GateThresholdsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("; "));
    this.name = "GateThresholdsError";
  }
}

/** What one model scored on the holdout: metric values and, per sliced column, per-value metrics. */
export interface ModelEvaluation {
  /** How messages name it: "flights version 2". */
  readonly model: string;
  readonly task: "classification" | "regression";
  readonly rows: number;
  readonly metrics: Readonly<Partial<Record<GateMetric, number>>>;
  /** Column → one entry per value of that column. */
  readonly slices: Readonly<Record<string, readonly SliceEvaluation[]>>;
}

export interface SliceEvaluation {
  readonly value: string;
  readonly rows: number;
  readonly metrics: Readonly<Partial<Record<GateMetric, number>>>;
}

export type CheckStatus = "pass" | "fail" | "skip";

export interface GateCheck {
  /** "roc_auc" or "accuracy[origin=ORD]". */
  readonly name: string;
  /** "max_drop 0.002". */
  readonly rule: string;
  readonly challenger: number | undefined;
  readonly champion: number | undefined;
  /** The value the challenger's must not cross (for relative rules: champion ± tolerance). */
  readonly limit: number | undefined;
  readonly status: CheckStatus;
  readonly note?: string;
}

export interface GateResult {
  readonly passed: boolean;
  readonly checks: readonly GateCheck[];
}

/** Which metrics and slice columns an evaluation must compute to judge these thresholds. */
export function gateNeeds(thresholds: GateThresholds): { metrics: GateMetric[]; sliceColumns: string[] } {
  const metrics = (Object.keys(GATE_METRICS) as GateMetric[]).filter((m) => thresholds[m] !== undefined);
  for (const slice of thresholds.slices ?? [])
    if (!metrics.includes(slice.metric)) metrics.push(slice.metric);
  const sliceColumns = [...new Set((thresholds.slices ?? []).map((s) => s.column))];
  return { metrics, sliceColumns };
}

/**
 * Judges a challenger against the thresholds (and the champion, for relative rules). A metric the
 * evaluation could not compute (NaN: AUC of a holdout with one class; a regression metric of a
 * classifier) fails its check with a note: a gate never passes on a missing figure.
 */
export function judgeGate(
  thresholds: GateThresholds,
  challenger: ModelEvaluation,
  champion?: ModelEvaluation,
): GateResult {
  const checks: GateCheck[] = [];
  for (const metric of Object.keys(GATE_METRICS) as GateMetric[]) {
    const rule = thresholds[metric];
    if (rule)
      checks.push(
        ...ruleChecks(
          metric,
          metric,
          rule,
          challenger.metrics[metric],
          champion?.metrics[metric],
          champion !== undefined,
        ),
      );
  }
  for (const slice of thresholds.slices ?? []) checks.push(...sliceChecks(slice, challenger, champion));
  return { passed: checks.every((c) => c.status !== "fail"), checks };
}

function ruleChecks(
  name: string,
  metric: GateMetric,
  rule: RuleShape,
  mine: number | undefined,
  theirs: number | undefined,
  hasChampion: boolean,
): GateCheck[] {
  const checks: GateCheck[] = [];
  const missing = mine === undefined || Number.isNaN(mine);
  const base = { name, challenger: mine, champion: theirs };
  const absolute = (label: "min" | "max", limit: number, ok: (v: number) => boolean) =>
    checks.push({
      ...base,
      rule: `${label} ${limit}`,
      limit,
      status: missing ? "fail" : ok(mine) ? "pass" : "fail",
      ...(missing ? { note: `${metric} could not be computed` } : {}),
    });
  if (rule.min !== undefined) absolute("min", rule.min, (v) => v >= rule.min!);
  if (rule.max !== undefined) absolute("max", rule.max, (v) => v <= rule.max!);
  const relative = (label: "max_drop" | "max_increase", tolerance: number) => {
    if (!hasChampion) {
      checks.push({
        ...base,
        rule: `${label} ${tolerance}`,
        limit: undefined,
        status: "skip",
        note: "no champion",
      });
      return;
    }
    if (theirs === undefined || Number.isNaN(theirs)) {
      checks.push({
        ...base,
        rule: `${label} ${tolerance}`,
        limit: undefined,
        status: "skip",
        note: `the champion has no ${metric}`,
      });
      return;
    }
    const limit = label === "max_drop" ? theirs - tolerance : theirs + tolerance;
    // A tiny epsilon: "not worse by more than 0.002" must hold when the difference is 0.002 exactly.
    const eps = 1e-12 * Math.max(1, Math.abs(limit));
    const ok = label === "max_drop" ? (v: number) => v >= limit - eps : (v: number) => v <= limit + eps;
    checks.push({
      ...base,
      rule: `${label} ${tolerance}`,
      limit,
      status: missing ? "fail" : ok(mine) ? "pass" : "fail",
      ...(missing ? { note: `${metric} could not be computed` } : {}),
    });
  };
  if (rule.max_drop !== undefined) relative("max_drop", rule.max_drop);
  if (rule.max_increase !== undefined) relative("max_increase", rule.max_increase);
  return checks;
}

function sliceChecks(rule: SliceRule, challenger: ModelEvaluation, champion?: ModelEvaluation): GateCheck[] {
  const mine = challenger.slices[rule.column] ?? [];
  const theirs = new Map((champion?.slices[rule.column] ?? []).map((s) => [s.value, s]));
  const checks: GateCheck[] = [];
  for (const slice of mine) {
    const name = `${rule.metric}[${rule.column}=${slice.value}]`;
    if (slice.rows < rule.min_rows) {
      checks.push({
        name,
        rule: `min_rows ${rule.min_rows}`,
        challenger: slice.metrics[rule.metric],
        champion: theirs.get(slice.value)?.metrics[rule.metric],
        limit: undefined,
        status: "skip",
        note: `${slice.rows} rows`,
      });
      continue;
    }
    checks.push(
      ...ruleChecks(
        name,
        rule.metric,
        rule,
        slice.metrics[rule.metric],
        theirs.get(slice.value)?.metrics[rule.metric],
        champion !== undefined,
      ),
    );
  }
  return checks;
}
