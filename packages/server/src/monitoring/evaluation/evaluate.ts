import type { monitoring } from "@gyre/core";
import type { DriftResult } from "@gyre/data";
import type { ReferenceOutcome, ReferenceResolver } from "../reference.js";
import type { LabeledPrediction, PredictionStore } from "../store/prediction-store.js";
import { type Cell, columnNames, driftCells, inputColumns } from "./columns.js";
import { type DriftReferences, driftOf } from "./drift.js";
import { type Operations, operationsOf } from "./operations.js";
import { type Performance, performanceOf, predictedValue } from "./performance.js";
import { type Quality, qualityOf } from "./quality.js";

/**
 * Rows an evaluation reads at most: past it, a uniform sample of the window (the same rows on
 * every evaluation of it) for performance, quality and drift; counts and latencies come from the
 * store's aggregates over the whole window either way.
 */
export const EVALUATION_ROWS = 100_000;

export interface EvaluationResult {
  readonly status: "ok" | "breach" | "no_data";
  readonly values: Record<string, number | null>;
  readonly breaches: monitoring.Breach[];
  /** Everything behind the values, for the JSON and HTML reports. */
  readonly details: EvaluationDetails;
}

export interface EvaluationDetails {
  readonly model: string | null;
  /** The version most of the window's answers came from (the training reference's version). */
  readonly version: string | null;
  readonly reference: { readonly name: string; readonly rows?: number } | { readonly error: string };
  readonly performance: Performance & {
    readonly by_version: readonly (Performance & { version: string | null; arm: string | null })[];
  };
  readonly quality: Quality | null;
  readonly operations: Operations;
  readonly drift: DriftResult | null;
  /** Why drift could not be computed (a bad override, an unreadable reference). */
  readonly drift_error?: string;
  /** Rows read for performance, quality and drift (shadows' included): all the window's, unless `sampled`. */
  readonly evaluated_rows: number;
  readonly sampled: boolean;
}

type Spec = monitoring.MonitorSpec;

function mostFrequent(values: readonly (string | null)[]): string | null {
  const counts = new Map<string | null, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let n = 0;
  for (const [v, c] of counts) if (v !== null && c > n) [best, n] = [v, c];
  return best;
}

function groups(rows: readonly LabeledPrediction[]) {
  const out = new Map<string, LabeledPrediction[]>();
  for (const r of rows) {
    const key = `${r.version ?? ""}\u0001${r.arm ?? ""}`;
    const list = out.get(key);
    if (list) list.push(r);
    else out.set(key, [r]);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One evaluation of a monitor over [start, end): reads the window's predictions with their
 * labels, computes performance (overall and per version and arm, so canary and champion compare),
 * data quality and drift against the reference, and operational figures, then checks the
 * thresholds. Shadow answers are in the per-version figures only: clients never saw them.
 */
export interface EvaluationSources {
  readonly store: PredictionStore;
  readonly references: Pick<ReferenceResolver, "resolve" | "stats">;
  readonly drift: Pick<DriftReferences, "profile">;
  /** Rows read at most; EVALUATION_ROWS unless a test needs a small window to be a large one. */
  readonly maxRows?: number;
}

export async function evaluateWindow(
  spec: Spec,
  start: number,
  end: number,
  { store, references, drift: driftReferences, maxRows = EVALUATION_ROWS }: EvaluationSources,
): Promise<EvaluationResult> {
  const query = { ...spec.target, start, end };
  const rows = await store.predictions({ ...query, limit: maxRows, sample: true });
  const answered = rows.filter((r) => r.arm !== "shadow");
  const operations = operationsOf(await store.operational(query), end - start);
  const model = spec.target.model ?? rows[0]?.model ?? null;
  const version = spec.target.version ?? mostFrequent(answered.map((r) => r.version));

  const perfOptions = {
    task: spec.task,
    predictionOutput: spec.prediction_output,
    scoreOutput: spec.score_output,
    positiveClass: spec.positive_class,
  };
  const overall = performanceOf(answered, perfOptions);
  const byVersion = groups(rows).map(([, list]) => ({
    version: list[0]!.version,
    arm: list[0]!.arm,
    ...performanceOf(list, { ...perfOptions, task: overall.task ?? spec.task }),
  }));

  let reference: EvaluationDetails["reference"] = { error: "no predictions in the window" };
  let quality: Quality | null = null;
  let drift: DriftResult | null = null;
  let driftError: string | undefined;
  if (answered.length > 0) {
    const cells: Record<string, Cell>[] = answered.map((r) => inputColumns(r.inputs));
    const columns = columnNames(cells);
    const predicted = (outputs: Record<string, unknown>) => predictedValue(outputs, perfOptions);
    const cellsOf = (r: LabeledPrediction) => driftCells(r, inputColumns(r.inputs), predicted);
    let outcome: ReferenceOutcome;
    try {
      outcome = await references.resolve(spec, model ?? undefined, version ?? undefined, cellsOf);
    } catch (error) {
      outcome = { reason: error instanceof Error ? error.message : String(error) };
    }
    if ("data" in outcome) {
      const stats = await references.stats(outcome.data);
      reference = { name: outcome.data.name, rows: stats.rows };
      quality = qualityOf(cells, columns, stats);
      if (spec.drift.enabled) {
        try {
          const drifting = answered.map((r, i) => driftCells(r, cells[i]!, predicted));
          const profile = await driftReferences.profile(outcome.data, spec.drift.target_column);
          drift = driftOf(profile, drifting, columnNames(drifting), {
            columns: spec.drift.columns,
            driftShare: spec.drift.drift_share,
            methods: spec.drift.methods,
            thresholds: spec.drift.column_thresholds,
          });
        } catch (error) {
          driftError = error instanceof Error ? error.message : String(error);
        }
      }
    } else {
      reference = { error: outcome.reason };
      quality = qualityOf(cells, columns, undefined);
    }
  }

  const values: Record<string, number | null> = {
    prediction_count: operations.rows,
    labeled_count: overall.rows,
    accuracy: null,
    precision: null,
    recall: null,
    f1: null,
    roc_auc: null,
    log_loss: null,
    rmse: null,
    mae: null,
    r2: null,
    ...overall.metrics,
    missing_rate: quality?.missing_rate ?? null,
    out_of_range_rate: quality?.out_of_range_rate ?? null,
    new_category_rate: quality?.new_category_rate ?? null,
    signature_violations: operations.signature_violations,
    drift_share: drift && drift.columns.length > 0 ? drift.drifted_share : null,
    latency_p50_ms: operations.latency_p50_ms,
    latency_p99_ms: operations.latency_p99_ms,
    error_rate: operations.error_rate,
    throughput_rps: operations.throughput_rps,
  };
  const breaches: monitoring.Breach[] = [];
  for (const t of spec.thresholds) {
    const value = values[t.metric];
    if (value === null || value === undefined || Number.isNaN(value)) continue;
    if ((t.min !== undefined && value < t.min) || (t.max !== undefined && value > t.max)) {
      breaches.push({
        metric: t.metric,
        value,
        ...(t.min === undefined ? {} : { min: t.min }),
        ...(t.max === undefined ? {} : { max: t.max }),
      });
    }
  }
  const counted = operations.by_version.some((v) => v.counted_requests > 0);
  const status = breaches.length > 0 ? "breach" : rows.length === 0 && !counted ? "no_data" : "ok";
  return {
    status,
    values,
    breaches,
    details: {
      model,
      version,
      reference,
      performance: { ...overall, by_version: byVersion },
      quality,
      operations,
      drift,
      ...(driftError === undefined ? {} : { drift_error: driftError }),
      evaluated_rows: rows.length,
      sampled:
        rows.length >= maxRows && operations.by_version.reduce((sum, v) => sum + v.rows, 0) > rows.length,
    },
  };
}
