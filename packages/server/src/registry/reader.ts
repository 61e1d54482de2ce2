import type { ModelVersion, ModelVersionStage, RegisteredModel } from "@gyre/core";
import type { Selectable } from "kysely";
import type { ModelVersionsTable, RegisteredModelsTable } from "../store/schema.js";
import { chunks, nonEmpty } from "../tracking/context.js";
import type { Db } from "./context.js";

type KeyValue = { key: string; value: string };

/** Names per IN list: far below both dialects' bound-parameter limits. */
const NAMES_PER_QUERY = 500;

const versionKey = (name: string, version: number) => `${version}\u0000${name}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function parseRunMetrics(text: string | null): ModelVersion["gyre_run_metrics"] {
  if (text === null) return undefined;
  const metrics = JSON.parse(text) as NonNullable<ModelVersion["gyre_run_metrics"]>;
  return nonEmpty(metrics);
}

export function modelVersionOf(
  row: ModelVersionsTable,
  tags: readonly KeyValue[] = [],
  aliases: readonly string[] = [],
): ModelVersion {
  return {
    name: row.name,
    version: String(row.version),
    creation_timestamp: Number(row.creation_time),
    last_updated_timestamp: Number(row.last_updated_time),
    user_id: row.user_id ?? undefined,
    current_stage: row.current_stage as ModelVersionStage,
    description: row.description ?? undefined,
    source: row.source,
    run_id: row.run_id ?? undefined,
    status: row.status as ModelVersion["status"],
    status_message: row.status_message ?? undefined,
    tags: nonEmpty(tags),
    run_link: row.run_link ?? undefined,
    aliases: nonEmpty(aliases),
    gyre_format: row.format ?? undefined,
    gyre_signature: row.signature ?? undefined,
    gyre_input_example: row.input_example ?? undefined,
    gyre_run_metrics: parseRunMetrics(row.run_metrics),
  };
}

/**
 * Full ModelVersion objects for version rows, in the rows' order: tags and aliases are read with
 * one query per table per 500 model names, never one per version.
 */
export async function materializeVersions(
  db: Db,
  rows: readonly ModelVersionsTable[],
): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const wanted = new Set(rows.map((r) => versionKey(r.name, r.version)));
  const names = [...new Set(rows.map((r) => r.name))];
  const tags = new Map<string, KeyValue[]>();
  const aliases = new Map<string, string[]>();
  for (const batch of chunks(names, NAMES_PER_QUERY)) {
    const tagRows = await db
      .selectFrom("model_version_tags")
      .selectAll()
      .where("name", "in", batch)
      .orderBy("key")
      .execute();
    for (const t of tagRows) {
      const key = versionKey(t.name, t.version);
      if (wanted.has(key)) push(tags, key, { key: t.key, value: t.value });
    }
    const aliasRows = await db
      .selectFrom("registered_model_aliases")
      .selectAll()
      .where("name", "in", batch)
      .orderBy("alias")
      .execute();
    for (const a of aliasRows) {
      const key = versionKey(a.name, a.version);
      if (wanted.has(key)) push(aliases, key, a.alias);
    }
  }
  return rows.map((row) => {
    const key = versionKey(row.name, row.version);
    return modelVersionOf(row, tags.get(key), aliases.get(key));
  });
}

/**
 * MLflow's "latest version per stage" of each model: live versions only, in the order each stage
 * first appears when the versions are read in ascending order (MLflow's dict insertion order).
 */
export async function latestVersionRows(
  db: Db,
  names: readonly string[],
  stages?: ReadonlySet<string>,
): Promise<Map<string, ModelVersionsTable[]>> {
  const latest = new Map<string, Map<string, number>>();
  for (const batch of chunks(names, NAMES_PER_QUERY)) {
    const rows = await db
      .selectFrom("model_versions")
      .select(["name", "version", "current_stage"])
      .where("name", "in", batch)
      .where("deleted_time", "is", null)
      .orderBy("name")
      .orderBy("version")
      .execute();
    for (const row of rows) {
      if (stages && !stages.has(row.current_stage)) continue;
      const perStage = latest.get(row.name) ?? new Map<string, number>();
      perStage.set(row.current_stage, row.version); // ascending, so the last one wins
      latest.set(row.name, perStage);
    }
  }
  // Then the full rows of just those versions, one query per batch of models.
  const result = new Map<string, ModelVersionsTable[]>();
  for (const batch of chunks([...latest.keys()], NAMES_PER_QUERY)) {
    const versions = new Set(batch.flatMap((name) => [...latest.get(name)!.values()]));
    const rows = await db
      .selectFrom("model_versions")
      .selectAll()
      .where("name", "in", batch)
      .where("version", "in", [...versions])
      .execute();
    const byKey = new Map(rows.map((r) => [versionKey(r.name, r.version), r]));
    for (const name of batch) {
      result.set(
        name,
        [...latest.get(name)!.values()].map((v) => byKey.get(versionKey(name, v))!),
      );
    }
  }
  return result;
}

/** Full RegisteredModel objects (latest versions, tags, aliases) for model rows, in order. */
export async function materializeModels(
  db: Db,
  rows: readonly Selectable<RegisteredModelsTable>[],
): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const tags = new Map<string, KeyValue[]>();
  const aliases = new Map<string, { alias: string; version: string }[]>();
  for (const batch of chunks(names, NAMES_PER_QUERY)) {
    const tagRows = await db
      .selectFrom("registered_model_tags")
      .selectAll()
      .where("name", "in", batch)
      .orderBy("key")
      .execute();
    for (const t of tagRows) push(tags, t.name, { key: t.key, value: t.value });
    const aliasRows = await db
      .selectFrom("registered_model_aliases")
      .selectAll()
      .where("name", "in", batch)
      .orderBy("alias")
      .execute();
    for (const a of aliasRows) push(aliases, a.name, { alias: a.alias, version: String(a.version) });
  }
  const latestRows = await latestVersionRows(db, names);
  const latest = await materializeVersions(db, [...latestRows.values()].flat());
  const latestByModel = new Map<string, ModelVersion[]>();
  for (const version of latest) push(latestByModel, version.name, version);
  return rows.map((row) => ({
    name: row.name,
    creation_timestamp: Number(row.creation_time),
    last_updated_timestamp: Number(row.last_updated_time),
    description: row.description ?? undefined,
    latest_versions: nonEmpty(latestByModel.get(row.name) ?? []),
    tags: nonEmpty(tags.get(row.name) ?? []),
    aliases: nonEmpty(aliases.get(row.name) ?? []),
  }));
}
