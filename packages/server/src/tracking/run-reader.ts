import { encodeDouble, type tracking } from "@gyre/core";
import type { Kysely } from "kysely";
import type { DatasetsTable, InputsTable, LatestMetricsTable, RunsTable, Schema } from "../store/schema.js";
import { nonEmpty } from "./context.js";
import { indexes, type Placeholder, Prepared } from "./prepared.js";

const keyValueOf = (row: readonly unknown[]) => ({ key: row[1] as string, value: row[2] as string });

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

type Row = readonly unknown[];

/** The runs columns in the order `runOf` reads them from an array row. */
export const RUN_COLUMNS = [
  "run_uuid",
  "experiment_id",
  "name",
  "user_id",
  "status",
  "start_time",
  "end_time",
  "deleted_time",
  "lifecycle_stage",
  "artifact_uri",
] as const;

// Array rows: a page of 1,000 runs reads ~17,000 rows, and arrays cost less to materialise.
const runRows = new Prepared<{ ids: readonly string[] }, Row>(
  (db, $, size) => db.selectFrom("runs").select(RUN_COLUMNS).where("run_uuid", "in", idSlots($, size)),
  { arrayRows: true },
);

/** (run_uuid, key, value) of params or tags; primary-key order, so each run's rows come sorted by key. */
function entryRows(table: "params" | "tags") {
  return new Prepared<{ ids: readonly string[] }, Row>(
    (db, $, size) =>
      db
        .selectFrom(table)
        .select(["run_uuid", "key", "value"])
        .where("run_uuid", "in", idSlots($, size))
        .orderBy("run_uuid")
        .orderBy("key"),
    { arrayRows: true },
  );
}
const paramRows = entryRows("params");
const tagRows = entryRows("tags");

const metricRows = new Prepared<{ ids: readonly string[] }, Row>(
  (db, $, size) =>
    db
      .selectFrom("latest_metrics")
      .select(["run_uuid", "key", "value", "timestamp", "step", "is_nan"])
      .where("run_uuid", "in", idSlots($, size))
      .orderBy("run_uuid")
      .orderBy("key"),
  { arrayRows: true },
);

const inputRows = new Prepared<
  { ids: readonly string[] },
  Pick<InputsTable, "run_uuid" | "input_uuid"> &
    Pick<DatasetsTable, "name" | "digest" | "source_type" | "source" | "schema" | "profile">
>((db, $, size) =>
  db
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
    .where("inputs.run_uuid", "in", idSlots($, size))
    .orderBy("datasets.name"),
);

function idSlots($: Placeholder, size: number): never[] {
  return indexes(size).map((i) => $("ids", i));
}

/** A runs row read as an array in RUN_COLUMNS order. */
export function runOf(row: Row): RunsTable {
  return {
    run_uuid: row[0] as string,
    experiment_id: row[1] as number,
    name: row[2] as string,
    user_id: row[3] as string | null,
    status: row[4] as string,
    start_time: row[5] as number,
    end_time: row[6] as number | null,
    deleted_time: row[7] as number | null,
    lifecycle_stage: row[8] as string,
    artifact_uri: row[9] as string,
  };
}

/** Groups rows (run id first, sorted by run id) into one list per run, mapped by `item`. */
function groupRows<T>(rows: readonly Row[], item: (row: Row) => T): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  let current: T[] = [];
  let currentId: unknown;
  for (const row of rows) {
    if (row[0] !== currentId) {
      currentId = row[0];
      current = [];
      groups.set(currentId as string, current);
    }
    current.push(item(row));
  }
  return groups;
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
  const byId = new Map<string, RunsTable>();
  for (const row of await runRows.rows(db, { ids: runIds }, runIds.length)) {
    const run = runOf(row);
    byId.set(run.run_uuid, run);
  }
  return loadRunsFrom(
    db,
    runIds.flatMap((id) => byId.get(id) ?? []),
  );
}

/** As loadRuns, for runs rows already read (a search reads them with its ids), in output order. */
export async function loadRunsFrom(db: Kysely<Schema>, runs: readonly RunsTable[]): Promise<Run[]> {
  if (runs.length === 0) return [];
  const ids = runs.map((run) => run.run_uuid);
  const args = { ids };
  const size = ids.length;
  const params = groupRows(await paramRows.rows(db, args, size), keyValueOf);
  const tags = groupRows(await tagRows.rows(db, args, size), keyValueOf);
  const metrics = groupRows(await metricRows.rows(db, args, size), (row) =>
    metricOf({
      key: row[1] as string,
      value: row[2] as number,
      timestamp: row[3] as number,
      step: row[4] as number,
      is_nan: row[5] as number,
    }),
  );
  const inputs = await inputRows.rows(db, args, size);
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

  const inputsByRun = groupBy(inputs);
  const tagsByInput = new Map<string, { key: string; value: string }[]>();
  for (const tag of inputTags) {
    const list = tagsByInput.get(tag.input_uuid) ?? [];
    list.push({ key: tag.key, value: tag.value });
    tagsByInput.set(tag.input_uuid, list);
  }

  const result: Run[] = [];
  for (const row of runs) {
    const id = row.run_uuid;
    result.push({
      info: runInfoOf(row),
      data: {
        metrics: metrics.get(id),
        params: params.get(id),
        tags: tags.get(id),
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
