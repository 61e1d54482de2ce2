import {
  GyreError,
  notFound,
  type RouteNames,
  type RouteRequest,
  type RouteResponse,
  type tracking,
} from "@gyre/core";
import type { Kysely } from "kysely";
import type { SqlDialect } from "../store/database.js";
import type { Schema } from "../store/schema.js";

/** What every tracking service needs, passed down explicitly from the server's edge. */
export interface TrackingContext {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  readonly now: () => number;
}

export type Lifecycle = "active" | "deleted";

/** Experiment ids are decimal strings on the wire and integers in the store. */
export function experimentKey(experimentId: string): number {
  if (!/^\d{1,15}$/.test(experimentId)) throw notFound(`No Experiment with id=${experimentId} exists`);
  return Number(experimentId);
}

export function requireRunId(request: {
  run_id?: string | undefined;
  run_uuid?: string | undefined;
}): string {
  const id = request.run_id || request.run_uuid;
  if (!id) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
    );
  }
  return id;
}

/** Omits absent and empty collections, as proto-JSON does. */
export function nonEmpty<T>(items: readonly T[]): T[] | undefined {
  return items.length > 0 ? [...items] : undefined;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type TrackingRoutes = typeof tracking;
/** The validated request a tracking route hands to its service. */
export type Req<K extends RouteNames<TrackingRoutes>> = RouteRequest<TrackingRoutes, K>;
/** The response a tracking service returns for a route. */
export type Res<K extends RouteNames<TrackingRoutes>> = RouteResponse<TrackingRoutes, K>;
