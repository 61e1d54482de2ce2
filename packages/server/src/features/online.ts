import { features as contracts, GyreError } from "@gyre/core";
import {
  getOnlineFeatures,
  getOnlineFeaturesText,
  type OnlineStore,
  type Transformation,
} from "@gyre/features";
import type { FastifyInstance } from "fastify";
import { isNulFreeBody, payloadOf } from "../http/api-routes.js";
import { parseRequest } from "../http/validation.js";
import type { FeaturesContext, Req, Res } from "./context.js";
import type { RegistrySnapshots } from "./snapshot.js";

/** The online store, opened on first use (a Redis that is down fails requests, not start-up). */
export class OnlineStoreHandle {
  private opened: Promise<OnlineStore> | undefined;

  constructor(
    private readonly uri: string | undefined,
    private readonly open: (uri: string) => Promise<OnlineStore>,
  ) {}

  get(): Promise<OnlineStore> {
    if (this.uri === undefined) {
      return Promise.reject(
        new GyreError(
          "NOT_IMPLEMENTED",
          "No online store: give the server --feature-online-store (sqlite:///path or redis://host:port).",
        ),
      );
    }
    if (!this.opened) {
      this.opened = this.open(this.uri);
      this.opened.catch(() => {
        this.opened = undefined; // retried by the next request
      });
    }
    return this.opened;
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) await (await opened.catch(() => undefined))?.close();
  }
}

/** Online reads: definitions from the current registry snapshot, values from the online store. */
export class FeatureOnlineService {
  constructor(
    private readonly ctx: FeaturesContext,
    private readonly snapshots: RegistrySnapshots,
    private readonly store: OnlineStoreHandle,
    private readonly transformations: ReadonlyMap<string, Transformation>,
  ) {}

  async getOnlineFeatures(req: Req<"getOnlineFeatures">): Promise<Res<"getOnlineFeatures">> {
    const selection = await this.snapshots.select(req);
    const store = await this.store.get();
    return getOnlineFeatures(store, selection, req.entities, {
      now: this.ctx.now(),
      transformations: this.transformations,
    });
  }

  /** The same answer as getOnlineFeatures, as its JSON text (what the HTTP route sends). */
  async getOnlineText(req: Req<"getOnlineFeatures">): Promise<string> {
    const selection = await this.snapshots.select(req);
    const store = await this.store.get();
    return getOnlineFeaturesText(store, selection, req.entities, {
      now: this.ctx.now(),
      transformations: this.transformations,
    });
  }
}

const REQUEST_FIELDS = new Set(["entities", "feature_service", "features", "full_feature_names"]);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The online request checked by hand, for the plain form only: the same rules as the contract
 * (`features.OnlineRequest`, the single schema), and the same output. Anything else — unknown
 * fields, an invalid value, a `__proto__` key — returns undefined and goes through the contract,
 * which also words the error. A property test holds the two in agreement.
 */
export function fastOnlineRequest(payload: unknown): Req<"getOnlineFeatures"> | undefined {
  if (!isPlainRecord(payload)) return undefined;
  for (const key in payload) if (!REQUEST_FIELDS.has(key)) return undefined;
  const { entities, feature_service: service, features, full_feature_names: full } = payload;
  if (!Array.isArray(entities) || entities.length === 0) return undefined;
  for (const row of entities) {
    if (!isPlainRecord(row) || Object.getPrototypeOf(row) !== Object.prototype) return undefined;
    for (const key in row) if (key === "__proto__") return undefined;
  }
  if (full !== undefined && typeof full !== "boolean") return undefined;
  if (service !== undefined) {
    if (features !== undefined || typeof service !== "string" || !contracts.FEATURE_NAME.test(service)) {
      return undefined;
    }
    return {
      entities: entities.map((row) => ({ ...row })),
      feature_service: service,
      full_feature_names: full ?? false,
    };
  }
  if (!Array.isArray(features) || features.length === 0) return undefined;
  for (const ref of features)
    if (typeof ref !== "string" || !contracts.FEATURE_REF.test(ref)) return undefined;
  return {
    entities: entities.map((row) => ({ ...row })),
    features: [...features],
    full_feature_names: full ?? false,
  };
}

/**
 * `POST …/features/online` as a dedicated route: plain requests are checked by fastOnlineRequest
 * instead of the zod contract, and the answer is written as JSON text straight from the
 * selection's precomputed pieces (no object tree, no JSON.stringify). Other requests take the
 * contract's parse and its error messages, as every JSON route. Mount it in the scope that
 * registerJsonRoutes gave the other feature routes (their body parsers), with the same prefixes.
 */
export function registerOnlineRoute(
  app: FastifyInstance,
  online: FeatureOnlineService,
  prefixes: { from: string; to: string }[] = [],
): void {
  const contract = contracts.getOnlineFeatures;
  const paths = [contract.path, ...prefixes.map((p) => contract.path.replace(p.from, p.to))];
  for (const url of paths) {
    app.post(url, async (request, reply) => {
      const body = request.body;
      const payload = isPlainRecord(body) ? body : await payloadOf(request);
      const nulFree = isNulFreeBody(payload);
      const parsed =
        (nulFree ? fastOnlineRequest(payload) : undefined) ?? parseRequest(contract, payload, nulFree);
      const text = await online.getOnlineText(parsed);
      return reply.type("application/json").send(text);
    });
  }
}
