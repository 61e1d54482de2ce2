import { invalidParameter } from "@gyre/core";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { nonEmpty, type Req, type Res, requireRunId, type TrackingContext } from "./context.js";
import { metricOf } from "./run-reader.js";
import { runNotFound } from "./runs.js";

const BULK_DEFAULT_POINTS = 2500;

export class MetricHistoryService {
  constructor(private readonly ctx: TrackingContext) {}

  /** Full history when max_results is absent (MLflow 2.x behaviour); offset pages otherwise. */
  async getMetricHistory(req: Req<"getMetricHistory">): Promise<Res<"getMetricHistory">> {
    const runId = requireRunId(req);
    await this.requireRun(runId);
    const offset = decodePageToken(req.page_token);
    let query = this.ctx.db
      .selectFrom("metrics")
      .select(["key", "value", "timestamp", "step", "is_nan"])
      .where("run_uuid", "=", runId)
      .where("key", "=", req.metric_key)
      .orderBy("timestamp")
      .orderBy("step")
      .orderBy("value");
    if (req.max_results !== undefined) query = query.limit(req.max_results + 1).offset(offset);
    const rows = await query.execute();
    const more = req.max_results !== undefined && rows.length > req.max_results;
    const page = more ? rows.slice(0, req.max_results) : rows;
    return {
      metrics: nonEmpty(page.map(metricOf)),
      next_page_token: more ? encodePageToken(offset + (req.max_results ?? 0)) : undefined,
    };
  }

  /**
   * Down-samples each run's history to about max_results steps, always keeping the first and last
   * step in range, and returns every point logged at the chosen steps.
   */
  async getMetricHistoryBulkInterval(
    req: Req<"getMetricHistoryBulkInterval">,
  ): Promise<Res<"getMetricHistoryBulkInterval">> {
    if ((req.start_step === undefined) !== (req.end_step === undefined)) {
      throw invalidParameter("If either start step or end step are specified, both must be specified.");
    }
    if (req.start_step !== undefined && req.end_step !== undefined && req.start_step > req.end_step) {
      throw invalidParameter("end_step must be greater than start_step.");
    }
    const maxResults = req.max_results ?? BULK_DEFAULT_POINTS;
    const out: NonNullable<Res<"getMetricHistoryBulkInterval">["metrics"]> = [];
    for (const runId of [...new Set(req.run_ids)].sort()) {
      let query = this.ctx.db
        .selectFrom("metrics")
        .select(["key", "value", "timestamp", "step", "is_nan"])
        .where("run_uuid", "=", runId)
        .where("key", "=", req.metric_key);
      if (req.start_step !== undefined && req.end_step !== undefined) {
        query = query.where("step", ">=", req.start_step).where("step", "<=", req.end_step);
      }
      const rows = await query.orderBy("step").orderBy("timestamp").orderBy("value").execute();
      const steps = [...new Set(rows.map((r) => Number(r.step)))];
      const kept = new Set(sampleEvenly(steps, maxResults));
      for (const row of rows) if (kept.has(Number(row.step))) out.push({ ...metricOf(row), run_id: runId });
    }
    return { metrics: nonEmpty(out) };
  }

  private async requireRun(runId: string): Promise<void> {
    const run = await this.ctx.db
      .selectFrom("runs")
      .select("run_uuid")
      .where("run_uuid", "=", runId)
      .executeTakeFirst();
    if (!run) throw runNotFound(runId);
  }
}

/** Picks at most `count` items spread evenly over a sorted list, keeping both ends. */
export function sampleEvenly<T>(sorted: readonly T[], count: number): T[] {
  if (sorted.length <= count) return [...sorted];
  if (count === 1) return [sorted[0]!];
  const picked: T[] = [];
  const last = sorted.length - 1;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const index = Math.round((i * last) / (count - 1));
    if (index !== previous) picked.push(sorted[index]!);
    previous = index;
  }
  return picked;
}
