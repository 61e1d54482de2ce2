import {
  type DatasetRef,
  type datasets,
  GyreError,
  notFound,
  parseDatasetRef,
  type RouteNames,
  type RouteRequest,
  type RouteResponse,
} from "@gyre/core";
import type { Kysely, Transaction } from "kysely";
import type { SqlDialect } from "../store/database.js";
import type { Schema } from "../store/schema.js";
import type { ServerPaths } from "./server-paths.js";
import type { DatasetStorage } from "./storage.js";

/** What every datasets service needs, passed down explicitly from the server's edge. */
export interface DatasetsContext {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  readonly now: () => number;
  /** The version files on disk; undefined when the artifact destination is not a local directory. */
  readonly storage: DatasetStorage | undefined;
  /** Which of the server's own paths requests may name. */
  readonly paths: ServerPaths;
}

export type Db = Kysely<Schema> | Transaction<Schema>;

type DatasetRoutes = typeof datasets;
/** The validated request a datasets route hands to its service. */
export type Req<K extends RouteNames<DatasetRoutes>> = RouteRequest<DatasetRoutes, K>;
/** The response a datasets service returns for a route. */
export type Res<K extends RouteNames<DatasetRoutes>> = RouteResponse<DatasetRoutes, K>;

export const datasetNotFound = (name: string) => notFound(`Dataset '${name}' not found.`);
export const versionNotFound = (name: string, version: number) =>
  notFound(`Dataset version '${name}@${version}' not found.`);

/**
 * `name`, `name@3` or `name@latest` plus an optional separate `version`: the reference the
 * request names. Giving a version both ways is a contradiction, not a preference.
 */
export function requestRef(name: string, version: number | undefined): DatasetRef {
  const ref = parseDatasetRef(name);
  if (!ref) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Invalid dataset reference '${name}': expected name, name@<version> or name@latest.`,
    );
  }
  if (version === undefined) return ref;
  if (ref.version !== undefined) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Give the version either in 'name' (${name}) or in 'version', not both.`,
    );
  }
  return { name: ref.name, version };
}

/** The storage, or NOT_IMPLEMENTED for an artifact destination DuckDB cannot read in place. */
export function requireStorage(ctx: DatasetsContext): DatasetStorage {
  if (!ctx.storage) {
    throw new GyreError(
      "NOT_IMPLEMENTED",
      "Datasets need a local artifact destination (a directory or file:// URI) that DuckDB can read.",
    );
  }
  return ctx.storage;
}
