import {
  GyreError,
  invalidParameter,
  LIMITS,
  MODEL_VERSION_STAGES,
  type ModelVersionStage,
  notFound,
  type RouteNames,
  type RouteRequest,
  type RouteResponse,
  type registry,
  validateKey,
  validateLength,
} from "@gyre/core";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { SqlDialect } from "../store/database.js";
import type { ModelVersionsTable, RegisteredModelsTable, Schema } from "../store/schema.js";

/** What every registry service needs, passed down explicitly from the server's edge. */
export interface RegistryContext {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  readonly now: () => number;
}

export type Db = Kysely<Schema> | Transaction<Schema>;
/** A registered model's row as read. */
export type ModelRow = Selectable<RegisteredModelsTable>;

/** Who makes a change: the request's user_id, else the x-gyre-user header, else "unknown". */
export type Actor = string;
export const UNKNOWN_ACTOR = "unknown";

type RegistryRoutes = typeof registry;
/** The validated request a registry route hands to its service. */
export type Req<K extends RouteNames<RegistryRoutes>> = RouteRequest<RegistryRoutes, K>;
/** The response a registry service returns for a route. */
export type Res<K extends RouteNames<RegistryRoutes>> = RouteResponse<RegistryRoutes, K>;

// ---- Errors, worded as MLflow's SQL registry store words them ----

export const modelNotFound = (name: string) => notFound(`Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: string | number) =>
  notFound(`Model Version (name=${name}, version=${version}) not found`);

// ---- Validation (mlflow/utils/validation.py) ----

const INTEGER = /^\s*[-+]?\d+\s*$/;

/**
 * A version number as MLflow reads it (Python's int()). A value that is an integer but cannot
 * name a stored version (negative, beyond 2^53) is returned as -1, which finds nothing.
 */
export function parseVersion(raw: string): number {
  if (!INTEGER.test(raw)) throw invalidParameter(`Parameter 'version' must be an integer, got '${raw}'.`);
  const value = Number(raw.trim());
  return Number.isSafeInteger(value) && value > 0 ? value : -1;
}

const ALIAS_CHARS = /^[\p{L}\p{N}_-]*$/u;
const VERSION_ALIAS = /^[vV]\d+$/;

/** `latest` (any case) cannot be set, but reads resolve it to the newest live version, as MLflow 3 does. */
export const isLatestAlias = (alias: string) => alias.toLowerCase() === "latest";

/** Alias names: word characters and dashes, ≤ 255, not `latest` nor `v<digits>` (reserved). */
export function validateAlias(alias: string): void {
  if (alias === "") throw invalidParameter("Registered model alias name cannot be empty.");
  if (!ALIAS_CHARS.test(alias)) {
    throw invalidParameter(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  validateLength("Registered model alias name", alias, LIMITS.modelAliasLength);
  if (isLatestAlias(alias)) {
    throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  }
  if (VERSION_ALIAS.test(alias)) throw invalidParameter(`Version alias name '${alias}' is reserved.`);
}

/** A stage matched case-insensitively, returned in MLflow's canonical spelling. */
export function canonicalStage(stage: string): ModelVersionStage {
  const found = MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!found) {
    throw invalidParameter(
      `Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_VERSION_STAGES.join(", ")}.`,
    );
  }
  return found;
}

export function validateRegistryTag(owner: "Registered model" | "Model version", key: string, value: string) {
  validateKey("tag", key);
  validateLength(`${owner} tag value`, value, LIMITS.registryTagValueLength);
}

// ---- Row access shared by the services ----

/**
 * The model's row, or 404. Inside a write transaction on PostgreSQL the row is locked, so writes
 * to one model serialise (version numbering, alias moves and their audit "before" values);
 * SQLite serialises write transactions already.
 */
export async function requireModel(
  db: Db,
  dialect: SqlDialect,
  name: string,
  lock = false,
): Promise<ModelRow> {
  let query = db.selectFrom("registered_models").selectAll().where("name", "=", name);
  if (lock && dialect === "postgres") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw modelNotFound(name);
  return { ...row, model_id: Number(row.model_id) };
}

/** A live (not deleted) version's row, or 404 naming the version as the client wrote it. */
export async function requireVersion(db: Db, name: string, rawVersion: string): Promise<ModelVersionsTable> {
  const version = parseVersion(rawVersion);
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("version", "=", version)
    .where("deleted_time", "is", null)
    .executeTakeFirst();
  if (!row) throw versionNotFound(name, rawVersion);
  return row;
}

/**
 * For writes to one version: the version number is checked first (400), then the model row is
 * locked and the live version read; a missing model reads as a missing version, as in MLflow.
 */
export async function lockVersion(
  db: Db,
  dialect: SqlDialect,
  name: string,
  rawVersion: string,
): Promise<{ model: ModelRow; row: ModelVersionsTable }> {
  parseVersion(rawVersion);
  let model: ModelRow;
  try {
    model = await requireModel(db, dialect, name, true);
  } catch (error) {
    throw error instanceof GyreError && error.code === "RESOURCE_DOES_NOT_EXIST"
      ? versionNotFound(name, rawVersion)
      : error;
  }
  return { model, row: await requireVersion(db, name, rawVersion) };
}

/** The actor of a call: the request's user_id, else the caller's header, else "unknown". */
export function actorOf(request: { user_id?: string | undefined }, headerUser: string | undefined): Actor {
  return request.user_id?.trim() || headerUser || UNKNOWN_ACTOR;
}
