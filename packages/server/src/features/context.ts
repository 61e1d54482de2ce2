import type { features, RouteNames, RouteRequest, RouteResponse } from "@gyre/core";
import type { Kysely } from "kysely";
import type { ServerPaths } from "../datasets/server-paths.js";
import type { DatasetStorage } from "../datasets/storage.js";
import type { SqlDialect } from "../store/database.js";
import type { Schema } from "../store/schema.js";

/** What every features service needs, passed down explicitly from the server's edge. */
export interface FeaturesContext {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  readonly now: () => number;
  /** Dataset version files on disk (dataset sources, registered results). */
  readonly storage: DatasetStorage | undefined;
  /** Which of the server's own paths requests may name. */
  readonly paths: ServerPaths;
}

type FeatureRoutes = typeof features;
export type Req<K extends RouteNames<FeatureRoutes>> = RouteRequest<FeatureRoutes, K>;
export type Res<K extends RouteNames<FeatureRoutes>> = RouteResponse<FeatureRoutes, K>;
