import { randomUUID } from "node:crypto";
import { GyreError, invalidParameter, LIMITS, notFound, validateKey, validateLength } from "@gyre/core";
import { type Kysely, sql, type Transaction } from "kysely";
import type { LatestMetricsTable, MetricChunksTable, Schema } from "../store/schema.js";
import { type Req, type Res, requireRunId, type TrackingContext } from "./context.js";
import { clampToFinite, encodeChunk } from "./metric-series.js";
import { indexes, Prepared } from "./prepared.js";
import { requireActiveRun, upsertRunTags, validateRunTag } from "./runs.js";

type Db = Kysely<Schema> | Transaction<Schema>;
type KeyValue = { key: string; value: string };
type MetricIn = { key: string; value: number; timestamp: number; step: number };

const LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history";

// The statements of log-batch, compiled once per database and number of rows.
const insertNewParams = new Prepared<{ runId: string; params: readonly KeyValue[] }>((db, $, size) =>
  db
    .insertInto("params")
    .values(
      indexes(size).map((i) => ({
        run_uuid: $("runId"),
        key: $("params", i, "key"),
        value: $("params", i, "value"),
      })),
    )
    .onConflict((oc) => oc.columns(["run_uuid", "key"]).doNothing()),
);

const storedParams = new Prepared<{ runId: string; keys: readonly string[] }, KeyValue>((db, $, size) =>
  db
    .selectFrom("params")
    .select(["key", "value"])
    .where("run_uuid", "=", $("runId"))
    .where(
      "key",
      "in",
      indexes(size).map((i) => $("keys", i)),
    ),
);

type ChunkRow = Omit<MetricChunksTable, "chunk_id">;
const insertChunks = new Prepared<{ rows: readonly ChunkRow[] }>((db, $, size) =>
  db
    .insertInto("metric_chunks")
    .values(
      indexes(size).map((i) => ({
        run_uuid: $("rows", i, "run_uuid"),
        key: $("rows", i, "key"),
        point_count: $("rows", i, "point_count"),
        digest: $("rows", i, "digest"),
        points: $("rows", i, "points"),
      })),
    )
    .onConflict((oc) => oc.columns(["run_uuid", "key", "digest"]).doNothing()),
);

/** Keeps, per key, the later of the stored and the new latest value (MLflow's order). */
const upsertLatest = new Prepared<{ rows: readonly LatestMetricsTable[] }>((db, $, size) =>
  db
    .insertInto("latest_metrics")
    .values(
      indexes(size).map((i) => ({
        run_uuid: $("rows", i, "run_uuid"),
        key: $("rows", i, "key"),
        timestamp: $("rows", i, "timestamp"),
        step: $("rows", i, "step"),
        value: $("rows", i, "value"),
        is_nan: $("rows", i, "is_nan"),
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(["run_uuid", "key"])
        .doUpdateSet((eb) => ({
          value: eb.ref("excluded.value"),
          timestamp: eb.ref("excluded.timestamp"),
          step: eb.ref("excluded.step"),
          is_nan: eb.ref("excluded.is_nan"),
        }))
        .where(
          sql<boolean>`excluded.step > latest_metrics.step or (excluded.step = latest_metrics.step and (excluded.timestamp > latest_metrics.timestamp or (excluded.timestamp = latest_metrics.timestamp and excluded.value > latest_metrics.value)))`,
        ),
    ),
);

/** Writes to a run: metrics, params, tags, dataset inputs and logged-model records. */
export class RunLogService {
  constructor(private readonly ctx: TrackingContext) {}

  async logMetric(req: Req<"logMetric">): Promise<Res<"logMetric">> {
    return this.write(requireRunId(req), { metrics: [req] });
  }

  async logParam(req: Req<"logParam">): Promise<Res<"logParam">> {
    return this.write(requireRunId(req), { params: [req] });
  }

  async setTag(req: Req<"setTag">): Promise<Res<"setTag">> {
    return this.write(requireRunId(req), { tags: [req] });
  }

  async logBatch(req: Req<"logBatch">): Promise<Res<"logBatch">> {
    const metrics = req.metrics ?? [];
    const params = req.params ?? [];
    const tags = req.tags ?? [];
    checkBatchSize("metrics", metrics.length, LIMITS.batchMetrics);
    checkBatchSize("params", params.length, LIMITS.batchParams);
    checkBatchSize("tags", tags.length, LIMITS.batchTags);
    const total = metrics.length + params.length + tags.length;
    if (total > LIMITS.batchTotal) {
      throw invalidParameter(
        `A batch logging request can contain at most ${LIMITS.batchTotal} total metrics, params, and tags. Got ${total} entities. Please split up the request across multiple requests and try again.`,
      );
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const { key } of params) (seen.has(key) ? duplicates : seen).add(key);
    if (duplicates.size > 0) {
      throw invalidParameter(
        `Duplicate parameter keys have been submitted: ${JSON.stringify([...duplicates])}. Please ensure the request contains only one param value per param key.`,
      );
    }
    return this.write(req.run_id, { metrics, params, tags });
  }

  async deleteTag(req: Req<"deleteTag">): Promise<Res<"deleteTag">> {
    await this.ctx.db.transaction().execute(async (trx) => {
      await requireActiveRun(trx, req.run_id);
      const result = await trx
        .deleteFrom("tags")
        .where("run_uuid", "=", req.run_id)
        .where("key", "=", req.key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw notFound(`No tag with name: ${req.key} in run with id ${req.run_id}`);
      }
    });
    return {};
  }

  async logInputs(req: Req<"logInputs">): Promise<Res<"logInputs">> {
    const inputs = req.datasets ?? [];
    for (const { dataset, tags } of inputs) {
      validateLength("Dataset name", dataset.name, LIMITS.datasetName);
      validateLength("Dataset digest", dataset.digest, LIMITS.datasetDigest);
      validateLength("Dataset source", dataset.source, LIMITS.datasetSource);
      validateLength("Dataset schema", dataset.schema ?? "", LIMITS.datasetSchema);
      validateLength("Dataset profile", dataset.profile ?? "", LIMITS.datasetProfile);
      for (const tag of tags ?? []) {
        validateLength("Input tag key", tag.key, LIMITS.inputTagKey);
        validateLength("Input tag value", tag.value, LIMITS.inputTagValue);
      }
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      const { experiment_id } = await requireActiveRun(trx, req.run_id);
      for (const { dataset, tags } of inputs) {
        // A dataset is identified by (experiment, name, digest); logging it again only links it.
        await trx
          .insertInto("datasets")
          .values({
            dataset_uuid: randomUUID().replaceAll("-", ""),
            experiment_id,
            name: dataset.name,
            digest: dataset.digest,
            source_type: dataset.source_type,
            source: dataset.source,
            schema: dataset.schema ?? null,
            profile: dataset.profile ?? null,
          })
          .onConflict((oc) => oc.columns(["experiment_id", "name", "digest"]).doNothing())
          .execute();
        const { dataset_uuid } = await trx
          .selectFrom("datasets")
          .select("dataset_uuid")
          .where("experiment_id", "=", experiment_id)
          .where("name", "=", dataset.name)
          .where("digest", "=", dataset.digest)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto("inputs")
          .values({ input_uuid: randomUUID().replaceAll("-", ""), dataset_uuid, run_uuid: req.run_id })
          .onConflict((oc) => oc.columns(["run_uuid", "dataset_uuid"]).doNothing())
          .execute();
        const { input_uuid } = await trx
          .selectFrom("inputs")
          .select("input_uuid")
          .where("run_uuid", "=", req.run_id)
          .where("dataset_uuid", "=", dataset_uuid)
          .executeTakeFirstOrThrow();
        const unique = new Map((tags ?? []).map((t) => [t.key, t.value]));
        if (unique.size > 0) {
          await trx
            .insertInto("input_tags")
            .values([...unique].map(([key, value]) => ({ input_uuid, key, value })))
            .onConflict((oc) =>
              oc.columns(["input_uuid", "key"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })),
            )
            .execute();
        }
      }
    });
    return {};
  }

  async logModel(req: Req<"logModel">): Promise<Res<"logModel">> {
    let model: unknown;
    try {
      model = JSON.parse(req.model_json);
    } catch {
      throw invalidParameter("Malformed model info. 'model_json' must be a JSON object.");
    }
    if (typeof model !== "object" || model === null || Array.isArray(model)) {
      throw invalidParameter("Malformed model info. 'model_json' must be a JSON object.");
    }
    const missing = ["artifact_path", "flavors", "utc_time_created", "run_id"].filter((k) => !(k in model));
    if (missing.length > 0) {
      throw invalidParameter(`Model json is missing mandatory fields: ${JSON.stringify(missing)}`);
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      await requireActiveRun(trx, req.run_id);
      const existing = await trx
        .selectFrom("tags")
        .select("value")
        .where("run_uuid", "=", req.run_id)
        .where("key", "=", LOG_MODEL_HISTORY_TAG)
        .executeTakeFirst();
      const history = existing ? parseHistory(existing.value) : [];
      history.push(model);
      await upsertRunTags(trx, req.run_id, [{ key: LOG_MODEL_HISTORY_TAG, value: JSON.stringify(history) }]);
    });
    return {};
  }

  /** The one write path for metrics, params and tags: validated up front, applied in one transaction. */
  private async write(
    runId: string,
    batch: { metrics?: readonly MetricIn[]; params?: readonly KeyValue[]; tags?: readonly KeyValue[] },
  ): Promise<Record<string, never>> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    // A batch usually repeats a few keys (a 1000-point history is one key): check each key once.
    const checkedKeys = new Set<string>();
    for (const m of metrics) {
      if (!checkedKeys.has(m.key)) {
        validateKey("metric", m.key);
        checkedKeys.add(m.key);
      }
      if (m.timestamp < 0) {
        throw invalidParameter(
          `Invalid value ${m.timestamp} for parameter 'timestamp': must be non-negative.`,
        );
      }
    }
    for (const p of params) {
      validateKey("param", p.key);
      validateLength("Param value", p.value, LIMITS.paramValueLength);
    }
    for (const t of tags) validateRunTag(t.key, t.value);

    await this.ctx.db.transaction().execute(async (trx) => {
      await requireActiveRun(trx, runId);
      if (params.length > 0) await insertParams(trx, runId, params);
      if (tags.length > 0) await upsertRunTags(trx, runId, tags);
      if (metrics.length > 0) await insertMetrics(trx, runId, metrics);
    });
    return {};
  }
}

function parseHistory(text: string): unknown[] {
  let history: unknown;
  try {
    history = JSON.parse(text);
  } catch {
    history = undefined;
  }
  if (!Array.isArray(history)) {
    throw invalidParameter(
      `Run tag '${LOG_MODEL_HISTORY_TAG}' does not hold a JSON list, so no model can be appended to it.`,
    );
  }
  return history;
}

function checkBatchSize(kind: string, count: number, limit: number): void {
  if (count > limit) {
    throw invalidParameter(
      `A batch logging request can contain at most ${limit} ${kind}. Got ${count} ${kind}. Please split up ${kind} across multiple requests and try again.`,
    );
  }
}

/** Params are write-once: the same value again is fine, a different one is refused. */
async function insertParams(db: Db, runId: string, params: readonly KeyValue[]): Promise<void> {
  const inserted = await insertNewParams.execute(db, { runId, params }, params.length);
  // Every row new: nothing was logged before, so nothing can conflict.
  if (Number(inserted.numAffectedRows) === params.length) return;
  const keys = params.map((p) => p.key);
  const stored = await storedParams.rows(db, { runId, keys }, keys.length);
  const storedValue = new Map(stored.map((p) => [p.key, p.value]));
  for (const param of params) {
    const old = storedValue.get(param.key);
    if (old !== undefined && old !== param.value) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
      );
    }
  }
}

function latestRow(runId: string, metric: MetricIn): LatestMetricsTable {
  const isNan = Number.isNaN(metric.value);
  return {
    run_uuid: runId,
    key: metric.key,
    timestamp: metric.timestamp,
    step: metric.step,
    value: isNan ? 0 : clampToFinite(metric.value),
    is_nan: isNan ? 1 : 0,
  };
}

/** True when a is later than b by (step, timestamp, value): MLflow's "latest metric" order. */
function isLater(a: MetricIn, b: MetricIn): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** One packed chunk per key, plus the latest-value row per key that search and getRun read. */
async function insertMetrics(db: Db, runId: string, metrics: readonly MetricIn[]): Promise<void> {
  const byKey = new Map<string, MetricIn[]>();
  for (const metric of metrics) {
    const list = byKey.get(metric.key);
    if (list) list.push(metric);
    else byKey.set(metric.key, [metric]);
  }
  const chunks = [...byKey].map(([key, points]) => {
    const { blob, digest } = encodeChunk(points);
    return { run_uuid: runId, key, point_count: points.length, digest, points: blob };
  });
  await insertChunks.execute(db, { rows: chunks }, chunks.length);
  const latest = [...byKey.values()].map((points) =>
    latestRow(
      runId,
      points.reduce((best, p) => (isLater(p, best) ? p : best)),
    ),
  );
  await upsertLatest.execute(db, { rows: latest }, latest.length);
}
