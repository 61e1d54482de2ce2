import type { pipelines } from "@gyre/core";
import { sql } from "kysely";
import type { Db } from "./reader.js";

/**
 * The sources triggers watch, read straight from their tables: dataset versions (0003), the
 * registry's audit log (0002) and monitor alerts (0006, when that table exists). Each event gets
 * a key unique within its source, which the firing's primary key de-duplicates.
 */

const PAGE = 100;
/** Dataset versions are ordered by time, which concurrent registrations may commit out of order. */
const DATASET_LOOKBACK_MS = 60_000;

type Spec = pipelines.TriggerSpec;
type Event = pipelines.TriggerEvent;

export interface TriggerState {
  name: string;
  spec: Spec;
  cursor: number;
  creationTime: number;
}

/** Where a new trigger starts watching: only events after its creation fire it. */
export async function initialCursor(db: Db, spec: Spec, now: number): Promise<number> {
  switch (spec.kind) {
    case "cron":
    case "dataset":
      return now;
    case "registry": {
      const row = await db
        .selectFrom("registry_audit")
        .select((eb) => eb.fn.max("id").as("id"))
        .executeTakeFirst();
      return Number(row?.id ?? 0);
    }
    case "alert":
      return (await maxAlertId(db)) ?? 0;
  }
}

export async function triggerEvents(db: Db, trigger: TriggerState): Promise<Event[]> {
  const { spec } = trigger;
  switch (spec.kind) {
    case "cron":
      return [];
    case "dataset":
      return datasetEvents(db, spec.dataset, trigger);
    case "registry":
      return registryEvents(db, spec, trigger.cursor);
    case "alert":
      return alertEvents(db, spec.monitor, trigger.cursor);
  }
}

async function datasetEvents(db: Db, dataset: string, trigger: TriggerState): Promise<Event[]> {
  const rows = await db
    .selectFrom("dataset_versions")
    .select(["name", "version", "creation_time"])
    .where("name", "=", dataset)
    .where("creation_time", ">=", Math.max(trigger.cursor - DATASET_LOOKBACK_MS, trigger.creationTime))
    .orderBy("creation_time")
    .orderBy("version")
    .limit(PAGE)
    .execute();
  return rows.map((row) => ({
    key: `dataset:${row.name}/${row.version}`,
    cursor: Number(row.creation_time),
    params: { trigger_dataset: `datasets:/${row.name}/${row.version}` },
  }));
}

async function registryEvents(
  db: Db,
  spec: Extract<Spec, { kind: "registry" }>,
  cursor: number,
): Promise<Event[]> {
  const actions = [
    ...(spec.events.includes("version_created") ? ["create_version"] : []),
    ...(spec.events.includes("alias_moved") ? ["set_alias"] : []),
  ];
  const rows = await db
    .selectFrom("registry_audit")
    .select(["id", "name", "version", "action", "after"])
    .where("name", "=", spec.model)
    .where("id", ">", cursor)
    .where("action", "in", actions)
    .orderBy("id")
    .limit(PAGE)
    .execute();
  const events: Event[] = [];
  for (const row of rows) {
    const version = row.version === null ? undefined : String(row.version);
    const base = { key: `audit:${row.id}`, cursor: Number(row.id) };
    if (row.action === "create_version") {
      events.push({
        ...base,
        params: {
          trigger_event: "version_created",
          ...(version ? { trigger_model: `models:/${row.name}/${version}` } : {}),
        },
      });
      continue;
    }
    const after = row.after === null ? {} : (JSON.parse(row.after) as { alias?: string; version?: string });
    if (spec.alias !== undefined && after.alias !== spec.alias) continue;
    events.push({
      ...base,
      params: {
        trigger_event: "alias_moved",
        ...(after.alias ? { trigger_alias: after.alias } : {}),
        ...(after.version ? { trigger_model: `models:/${row.name}/${after.version}` } : {}),
      },
    });
  }
  return events;
}

/**
 * Every row of the monitoring domain's `monitor_alerts` (0006) is one firing, whatever its state
 * now: an alert that resolved before this poll still fired once and must start its run.
 */
async function alertEvents(db: Db, monitor: string | undefined, cursor: number): Promise<Event[]> {
  const filter = monitor === undefined ? sql`` : sql` and monitor_name = ${monitor}`;
  const rows = await sql<{ id: number | string; monitor_name: string }>`select id, monitor_name
    from monitor_alerts where id > ${cursor}${filter} order by id limit ${PAGE}`.execute(db);
  return rows.rows.map((row) => ({
    key: `alert:${row.id}`,
    cursor: Number(row.id),
    params: { trigger_alert_id: String(row.id), trigger_monitor: row.monitor_name },
  }));
}

async function maxAlertId(db: Db): Promise<number | undefined> {
  const result = await sql<{ id: number | string | null }>`select max(id) as id from monitor_alerts`.execute(
    db,
  );
  const id = result.rows[0]?.id;
  return id === null || id === undefined ? undefined : Number(id);
}
