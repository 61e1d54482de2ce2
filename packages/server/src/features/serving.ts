import { GyreError, invalidParameter } from "@gyre/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { FeatureServices } from "./services.js";

/** What the hook needs to know about deployments: the served revision and the stored spec. */
export interface DeploymentFeatureSource {
  /** The revision this process serves, or undefined when it does not serve the name. */
  revisionOf(name: string): number | undefined;
  /** The stored spec's feature service at that name (one metadata read, cached per revision). */
  featureServiceOf(name: string): Promise<string | undefined>;
}

const INVOCATIONS = /^\/serving\/([^/?]+)\/invocations(?:\?|$)/;

/**
 * Serving with a feature service: a deployment whose spec names `feature_service` takes MLflow
 * `/invocations` requests carrying only entity keys (`{"dataframe_records": [{"driver_id": 1}]}`,
 * plus any request fields its transformations read); before the model runs, the service's
 * features are read from the online store (statuses and ttl as `features/online`) and the body
 * becomes `{"dataframe_records": [...]}` of the service's outputs, in order — the model's input
 * columns. A root-level hook, so the serving routes themselves stay untouched.
 */
export function installFeatureServing(
  app: FastifyInstance,
  features: FeatureServices,
  deployments: DeploymentFeatureSource,
): void {
  const cache = new Map<string, { revision: number; service: string | undefined }>();
  const serviceOf = async (name: string): Promise<string | undefined> => {
    const revision = deployments.revisionOf(name);
    if (revision === undefined) return undefined;
    const hit = cache.get(name);
    if (hit?.revision === revision) return hit.service;
    const service = await deployments.featureServiceOf(name);
    cache.set(name, { revision, service });
    return service;
  };
  app.addHook("preValidation", async (request: FastifyRequest) => {
    if (request.method !== "POST") return;
    const match = INVOCATIONS.exec(request.url);
    if (!match) return;
    const service = await serviceOf(decodeURIComponent(match[1]!));
    if (service === undefined) return;
    const records = entityRecords(request.body);
    const online = await features.online.getOnlineFeatures({
      entities: records,
      feature_service: service,
      full_feature_names: false,
    });
    const rows = online.results.map((r) =>
      Object.fromEntries(online.feature_names.map((n) => [n, r.values[n]])),
    );
    request.body = Buffer.from(JSON.stringify({ dataframe_records: rows }));
  });
}

/** The entity rows of an /invocations body: `dataframe_records` (MLflow's records orientation). */
function entityRecords(body: unknown): Record<string, unknown>[] {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.isBuffer(body) ? body.toString("utf8") : String(body));
  } catch (error) {
    throw invalidParameter(`Malformed JSON request body: ${(error as Error).message}`);
  }
  const records = (json as { dataframe_records?: unknown } | null)?.dataframe_records;
  if (
    !Array.isArray(records) ||
    records.some((r) => typeof r !== "object" || r === null || Array.isArray(r))
  ) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      'This deployment reads its features from a feature service: send the entity keys as {"dataframe_records": [{...}]}.',
    );
  }
  return records as Record<string, unknown>[];
}
