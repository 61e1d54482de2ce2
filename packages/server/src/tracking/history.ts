import { encodeDouble, invalidParameter, type tracking } from "@gyre/core";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { nonEmpty, type Req, type Res, requireRunId, type TrackingContext } from "./context.js";
import { type MetricSeries, mergeChunks } from "./metric-series.js";
import { Prepared } from "./prepared.js";
import { runNotFound } from "./runs.js";

const BULK_DEFAULT_POINTS = 2500;

const chunksOf = new Prepared<{ runId: string; key: string }, { points: Uint8Array; point_count: number }>(
  (db, $) =>
    db
      .selectFrom("metric_chunks")
      .select(["points", "point_count"])
      .where("run_uuid", "=", $("runId"))
      .where("key", "=", $("key"))
      .orderBy("chunk_id"),
);

const runExists = new Prepared<{ runId: string }>((db, $) =>
  db.selectFrom("runs").select("run_uuid").where("run_uuid", "=", $("runId")),
);

/** Integral values in int32 range as small integers, which V8 stores unboxed and prints faster. */
function small(value: number): number {
  return (value | 0) === value ? value | 0 : value;
}

function pointAt(key: string, series: MetricSeries, i: number): tracking.Metric {
  return {
    key,
    value: encodeDouble(series.values[i]!),
    timestamp: series.timestamps[i]!,
    step: small(series.steps[i]!),
  };
}

/** Points [from, to) of the series, in its order. */
function pointsOf(key: string, series: MetricSeries, from: number, to: number): tracking.Metric[] {
  const out = new Array<tracking.Metric>(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = pointAt(key, series, i);
  return out;
}

function* range(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}

export class MetricHistoryService {
  constructor(private readonly ctx: TrackingContext) {}

  /** Full history when max_results is absent (MLflow 2.x behaviour); offset pages otherwise. */
  async getMetricHistory(req: Req<"getMetricHistory">): Promise<Res<"getMetricHistory">> {
    const runId = requireRunId(req);
    await this.requireRun(runId);
    const series = await this.series(runId, req.metric_key);
    const offset = decodePageToken(req.page_token);
    const end =
      req.max_results === undefined ? series.length : Math.min(series.length, offset + req.max_results);
    const points = pointsOf(req.metric_key, series, Math.min(offset, end), end);
    // Building plain objects and letting JSON.stringify format them measured fastest: the cost is
    // printing 100k doubles, which V8's serializer does better than string concatenation.
    return {
      metrics: points.length > 0 ? points : undefined,
      next_page_token: end < series.length ? encodePageToken(end) : undefined,
    };
  }

  /**
   * Down-samples each run's history to about max_results steps, always keeping the first and last
   * step in range, and returns every point logged at the chosen steps.
   */
  async getMetricHistoryBulkInterval(
    req: Req<"getMetricHistoryBulkInterval">,
  ): Promise<Res<"getMetricHistoryBulkInterval">> {
    const { start_step: start, end_step: end } = req;
    if ((start === undefined) !== (end === undefined)) {
      throw invalidParameter("If either start step or end step are specified, both must be specified.");
    }
    if (start !== undefined && end !== undefined && start > end) {
      throw invalidParameter("end_step must be greater than start_step.");
    }
    const maxResults = req.max_results ?? BULK_DEFAULT_POINTS;
    const out: NonNullable<Res<"getMetricHistoryBulkInterval">["metrics"]> = [];
    for (const runId of [...new Set(req.run_ids)].sort()) {
      const series = await this.series(runId, req.metric_key);
      const inRange = (i: number) =>
        start === undefined || end === undefined || (series.steps[i]! >= start && series.steps[i]! <= end);
      const steps = [
        ...new Set(
          Array.from(range(0, series.length))
            .filter(inRange)
            .map((i) => series.steps[i]!),
        ),
      ];
      const kept = new Set(
        sampleEvenly(
          steps.sort((a, b) => a - b),
          maxResults,
        ),
      );
      const chosen = Array.from(range(0, series.length)).filter((i) => kept.has(series.steps[i]!));
      chosen.sort(
        (a, b) => series.steps[a]! - series.steps[b]! || series.timestamps[a]! - series.timestamps[b]!,
      );
      for (const i of chosen) out.push({ ...pointAt(req.metric_key, series, i), run_id: runId });
    }
    return { metrics: nonEmpty(out) };
  }

  private async series(runId: string, key: string): Promise<MetricSeries> {
    return mergeChunks(await chunksOf.rows(this.ctx.db, { runId, key }));
  }

  private async requireRun(runId: string): Promise<void> {
    const [run] = await runExists.rows(this.ctx.db, { runId });
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
