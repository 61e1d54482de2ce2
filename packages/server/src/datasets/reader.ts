import {
  type DatasetFile,
  type DatasetProfile,
  type DatasetRef,
  type DatasetVersion,
  datasetUri,
  type ValidationRecord,
  type ValidationResult,
} from "@gyre/core";
import type { Selectable } from "kysely";
import type { DatasetValidationsTable, DatasetVersionsTable } from "../store/schema.js";
import { type Db, datasetNotFound, versionNotFound } from "./context.js";

/** Every column of a version but the profile, which only the profile route needs. */
export const VERSION_COLUMNS = [
  "name",
  "version",
  "digest",
  "location",
  "source",
  "sql",
  "format",
  "files",
  "size_bytes",
  "schema",
  "row_count",
  "description",
  "creator",
  "creation_time",
] as const;

export type VersionRow = Pick<DatasetVersionsTable, (typeof VERSION_COLUMNS)[number]>;

export function datasetVersionOf(row: VersionRow): DatasetVersion {
  const version = Number(row.version);
  return {
    name: row.name,
    version,
    digest: row.digest,
    uri: datasetUri(row.name, version),
    location: row.location,
    source: row.source,
    sql: row.sql ?? undefined,
    format: row.format,
    files: JSON.parse(row.files) as DatasetFile[],
    size_bytes: Number(row.size_bytes),
    schema: JSON.parse(row.schema) as DatasetVersion["schema"],
    rows: Number(row.row_count),
    description: row.description ?? undefined,
    creator: row.creator ?? undefined,
    created_time: Number(row.creation_time),
  };
}

export function validationOf(row: Selectable<DatasetValidationsTable>): ValidationRecord {
  return {
    id: Number(row.id),
    name: row.name,
    version: Number(row.version),
    suite: row.suite,
    reference: row.reference ?? undefined,
    success: Number(row.success) === 1,
    creator: row.creator ?? undefined,
    created_time: Number(row.creation_time),
    result: JSON.parse(row.result) as ValidationResult,
  };
}

/** The version a reference names (the latest when it names none), or 404. */
export async function requireVersionRow(db: Db, ref: DatasetRef): Promise<VersionRow> {
  let query = db.selectFrom("dataset_versions").select(VERSION_COLUMNS).where("name", "=", ref.name);
  query =
    typeof ref.version === "number"
      ? query.where("version", "=", ref.version)
      : query.orderBy("version", "desc").limit(1);
  const row = await query.executeTakeFirst();
  if (row) return row;
  if (typeof ref.version === "number" && (await nameExists(db, ref.name)))
    throw versionNotFound(ref.name, ref.version);
  throw datasetNotFound(ref.name);
}

export async function nameExists(db: Db, name: string): Promise<boolean> {
  const row = await db.selectFrom("dataset_names").select("name").where("name", "=", name).executeTakeFirst();
  return row !== undefined;
}

export async function profileOf(db: Db, name: string, version: number): Promise<DatasetProfile> {
  const row = await db
    .selectFrom("dataset_versions")
    .select("profile")
    .where("name", "=", name)
    .where("version", "=", version)
    .executeTakeFirstOrThrow();
  return JSON.parse(row.profile) as DatasetProfile;
}
