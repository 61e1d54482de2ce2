import type { pipelines, RouteNames, RouteRequest, RouteResponse } from "@gyre/core";
import type { Kysely } from "kysely";
import type { SqlDialect } from "../store/database.js";
import type { Schema } from "../store/schema.js";

/** What the pipelines services need, passed down from the server's edge. */
export interface PipelinesContext {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  readonly now: () => number;
}

type PipelineRoutes = typeof pipelines;
/** The validated request a pipelines route hands to its service. */
export type Req<K extends RouteNames<PipelineRoutes>> = RouteRequest<PipelineRoutes, K>;
/** The response a pipelines service returns for a route. */
export type Res<K extends RouteNames<PipelineRoutes>> = RouteResponse<PipelineRoutes, K>;

/** PostgreSQL returns bigint columns as strings. */
export function optionalNumber(value: number | string | null): number | undefined {
  return value === null ? undefined : Number(value);
}

export function jsonOr<T>(text: string | null, fallback: T): T {
  return text === null ? fallback : (JSON.parse(text) as T);
}
