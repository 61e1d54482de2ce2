import { encodeDouble, type tracking } from "@gyre/core";
import type { Kysely } from "kysely";
import type { LatestMetricsTable, RunsTable, Schema } from "../store/schema.js";
import { nonEmpty } from "./context.js";

type Run = tracking.Run;

export function runInfoOf(row: RunsTable): tracking.RunInfo {
  return {
    run_id: row.run_uuid,
    run_uuid: row.run_uuid,
    run_name: row.name,
    experiment_id: String(row.experiment_id),
    user_id: row.user_id ?? undefined,
    status: row.status as tracking.RunInfo["status"],
    start_time: Number(row.start_time),
    end_time: row.end_time === null ? undefined : Number(row.end_time),
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage as tracking.RunInfo["lifecycle_stage"],
  };
}

export function metricOf(row: Pick<LatestMetricsTable, "key" | "value" | "timestamp" | "step" | "is_nan">) {
  return {
    key: row.key,
    value: row.is_nan ? ("NaN" as const) : encodeDouble(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

function groupBy<T extends { run_uuid: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.run_uuid);
    if (group) group.push(row);
    else groups.set(row.run_uuid, [row]);
  }
  return groups;
}

/**
 * Materialises full runs (info, latest metrics, params, tags, inputs) with one query per table
 * for the whole page, never one per run.
 */
export async function loadRuns(db: Kysely<Schema>, runIds: readonly string[]): Promise<Run[]> {
  if (runIds.length === 0) return [];
  const ids = [...runIds];
  const runs = await db.selectFrom("runs").selectAll().where("run_uuid", "in", ids).execute();
  const params = await db
    .selectFrom("params")
    .select(["run_uuid", "key", "value"])
    .where("run_uuid", "in", ids)
    // Primary-key order: the rows come off the index already sorted by key within each run.
    .orderBy("run_uuid")
    .orderBy("key")
    .execute();
  const tags = await db
    .selectFrom("tags")
    .select(["run_uuid", "key", "value"])
    .where("run_uuid", "in", ids)
    .orderBy("run_uuid")
    .orderBy("key")
    .execute();
  const metrics = await db
    .selectFrom("latest_metrics")
    .selectAll()
    .where("run_uuid", "in", ids)
    .orderBy("run_uuid")
    .orderBy("key")
    .execute();
  const inputs = await db
    .selectFrom("inputs")
    .innerJoin("datasets", "datasets.dataset_uuid", "inputs.dataset_uuid")
    .select([
      "inputs.run_uuid",
      "inputs.input_uuid",
      "datasets.name",
      "datasets.digest",
      "datasets.source_type",
      "datasets.source",
      "datasets.schema",
      "datasets.profile",
    ])
    .where("inputs.run_uuid", "in", ids)
    .orderBy("datasets.name")
    .execute();
  const inputTags =
    inputs.length === 0
      ? []
      : await db
          .selectFrom("input_tags")
          .selectAll()
          .where(
            "input_uuid",
            "in",
            inputs.map((i) => i.input_uuid),
          )
          .orderBy("key")
          .execute();

  const paramsByRun = groupBy(params);
  const tagsByRun = groupBy(tags);
  const metricsByRun = groupBy(metrics);
  const inputsByRun = groupBy(inputs);
  const tagsByInput = new Map<string, { key: string; value: string }[]>();
  for (const tag of inputTags) {
    const list = tagsByInput.get(tag.input_uuid) ?? [];
    list.push({ key: tag.key, value: tag.value });
    tagsByInput.set(tag.input_uuid, list);
  }

  const byId = new Map(runs.map((row) => [row.run_uuid, row]));
  const result: Run[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) continue;
    result.push({
      info: runInfoOf(row),
      data: {
        metrics: nonEmpty((metricsByRun.get(id) ?? []).map(metricOf)),
        params: nonEmpty((paramsByRun.get(id) ?? []).map(({ key, value }) => ({ key, value }))),
        tags: nonEmpty((tagsByRun.get(id) ?? []).map(({ key, value }) => ({ key, value }))),
      },
      inputs: {
        dataset_inputs: nonEmpty(
          (inputsByRun.get(id) ?? []).map((input) => ({
            tags: nonEmpty(tagsByInput.get(input.input_uuid) ?? []),
            dataset: {
              name: input.name,
              digest: input.digest,
              source_type: input.source_type,
              source: input.source,
              schema: input.schema ?? undefined,
              profile: input.profile ?? undefined,
            },
          })),
        ),
      },
    });
  }
  return result;
}
