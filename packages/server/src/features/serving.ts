import type { FastifyInstance, FastifyRequest } from "fastify";
import type { FeatureServices } from "./services.js";
import { entityRequest, featureRows, isCsv, modelBody, type Protocol } from "./serving-bodies.js";

/** What the hook needs to know about deployments: the served revision and the stored spec. */
export interface DeploymentFeatureSource {
  /** The revision this process serves, or undefined when it does not serve the name. */
  revisionOf(name: string): number | undefined;
  /** The stored spec's feature service at that name (one metadata read, cached per revision). */
  featureServiceOf(name: string): Promise<string | undefined>;
}

/** Each served deployment's feature service, read once per revision. */
export class FeatureServiceLookup {
  private readonly cache = new Map<string, { revision: number; service: string | undefined }>();

  constructor(private readonly deployments: DeploymentFeatureSource) {}

  async serviceOf(name: string): Promise<string | undefined> {
    const revision = this.deployments.revisionOf(name);
    if (revision === undefined) return undefined;
    const hit = this.cache.get(name);
    if (hit?.revision === revision) return hit.service;
    const service = await this.deployments.featureServiceOf(name);
    this.cache.set(name, { revision, service });
    return service;
  }

  /**
   * Whether the served revision is known to name no feature service, so its requests need no
   * hook (the V2 fast path takes them). Unknown until a request of that revision went through
   * the hook, which is then the one to look.
   */
  knownPlain(name: string): boolean {
    const revision = this.deployments.revisionOf(name);
    const hit = this.cache.get(name);
    return revision !== undefined && hit?.revision === revision && hit.service === undefined;
  }
}

/** A deployment's inference routes: MLflow's /invocations, KServe V1 predict, V2 infer. */
const INFERENCE =
  /^\/serving\/([^/?]+)\/(?:(invocations)|(v1)\/models\/[^/?]+:predict|v2\/models\/[^/?]+(?:\/versions\/[^/?]+)?\/infer)(?:\?|$)/;

/**
 * Serving with a feature service: a deployment whose spec names `feature_service` takes requests
 * carrying only entity keys (plus any request fields its transformations read) in every form its
 * protocols know — MLflow `dataframe_records`, `dataframe_split`, `instances` (objects) and
 * `inputs` (a dict of columns); KServe V1 `instances`; V2 infer with one `[n]` or `[n, 1]` input
 * per key. Before the model runs, the service's features are read from the online store (the
 * online route's checks and messages) and the body becomes the same request with the features
 * in place of the keys, so the answer is the model's usual one. A value the store lacks (MISSING
 * or EXPIRED) is a 400 naming the row and feature. A root-level hook, so the serving routes
 * themselves stay untouched.
 */
export function installFeatureServing(
  app: FastifyInstance,
  features: FeatureServices,
  lookup: FeatureServiceLookup,
): void {
  app.addHook("preValidation", async (request: FastifyRequest) => {
    if (request.method !== "POST") return;
    const match = INFERENCE.exec(request.url);
    if (!match) return;
    const service = await lookup.serviceOf(decodeURIComponent(match[1]!));
    if (service === undefined) return;
    const protocol: Protocol = match[2] ? "mlflow" : match[3] ? "v1" : "v2";
    const selection = await features.snapshots.select({
      feature_service: service,
      full_feature_names: false,
    });
    // Only a CSV body needs @gyre/serving's parser (loaded by now: deployments run on it).
    const csv = protocol === "mlflow" && isCsv(request.headers);
    const parseCsv = csv ? (await import("@gyre/serving")).parseCsv : undefined;
    const { rows, target } = entityRequest(protocol, request.body, request.headers, selection, parseCsv);
    // The same selection the body was read and is rebuilt with: an apply in between changes neither.
    const online = await features.online.read(selection, rows);
    request.body = modelBody(target, selection, featureRows(selection, service, online));
    // The rewritten body is JSON whatever the client sent (a CSV body included).
    if (csv) request.headers["content-type"] = "application/json";
  });
}
