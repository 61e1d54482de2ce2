import type { IncomingMessage, ServerResponse } from "node:http";
import { features as contracts, GyreError, invalidParameter } from "@gyre/core";
import {
  type FeatureSelection,
  getOnlineFeatures,
  getOnlineFeaturesText,
  type OnlineStore,
  type Transformation,
} from "@gyre/features";
import type { FastifyInstance } from "fastify";
import { isJsonContentType, isNulFreeBody, parseJsonBody, payloadOf } from "../http/api-routes.js";
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
    return this.read(await this.snapshots.select(req), req.entities);
  }

  /**
   * Values for a selection the caller resolved itself, so that what it built around the
   * selection and what is read agree even when an `apply` lands in between.
   */
  async read(
    selection: FeatureSelection,
    entities: Req<"getOnlineFeatures">["entities"],
  ): Promise<Res<"getOnlineFeatures">> {
    requireOnline(selection);
    const store = await this.store.get();
    return getOnlineFeatures(store, selection, entities, {
      now: this.ctx.now(),
      transformations: this.transformations,
    });
  }

  /** The same answer as getOnlineFeatures, as its JSON text (what the HTTP route sends). */
  async getOnlineText(req: Req<"getOnlineFeatures">): Promise<string> {
    const selection = await this.snapshots.select(req);
    requireOnline(selection);
    const store = await this.store.get();
    return getOnlineFeaturesText(store, selection, req.entities, {
      now: this.ctx.now(),
      transformations: this.transformations,
    });
  }
}

/**
 * A view declared `online: false` is never materialized; values the store still holds from before
 * the switch would be stale, so its features are refused rather than served as PRESENT.
 */
function requireOnline(selection: FeatureSelection): void {
  for (const { view } of selection.views) {
    if (!view.def.online) {
      throw invalidParameter(
        `Feature view '${view.def.name}' is not online (online: false): its features are read with get-historical, not online.`,
      );
    }
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
 * The online request of a parsed JSON body: plain requests checked by fastOnlineRequest, anything
 * else by the contract's parse (which also words the error).
 */
function onlineRequestOf(payload: unknown): Req<"getOnlineFeatures"> {
  const nulFree = isNulFreeBody(payload);
  return (
    (nulFree ? fastOnlineRequest(payload) : undefined) ??
    parseRequest(contracts.getOnlineFeatures, payload, nulFree)
  );
}

/** The online route's paths: the contract's and its prefixed twins (e.g. /ajax-api). */
function onlinePaths(prefixes: readonly { from: string; to: string }[]): string[] {
  const path = contracts.getOnlineFeatures.path;
  return [path, ...prefixes.map((p) => path.replace(p.from, p.to))];
}

/**
 * `POST …/features/online` as a dedicated route: requests are checked by onlineRequestOf and the
 * answer is written as JSON text straight from the selection's precomputed pieces (no object
 * tree, no JSON.stringify). Mount it in the scope that registerJsonRoutes gave the other feature
 * routes (their body parsers), with the same prefixes.
 */
export function registerOnlineRoute(
  app: FastifyInstance,
  online: FeatureOnlineService,
  prefixes: { from: string; to: string }[] = [],
): void {
  for (const url of onlinePaths(prefixes)) {
    app.post(url, async (request, reply) => {
      const body = request.body;
      const payload = isPlainRecord(body) ? body : await payloadOf(request);
      const text = await online.getOnlineText(onlineRequestOf(payload));
      return reply.type("application/json").send(text);
    });
  }
}

/** A handler ahead of Fastify: true when it took the request, false to leave it to Fastify. */
export type RawHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * The online route straight on node:http, ahead of Fastify, for its plain form: a POST to one of
 * its exact paths with a JSON Content-Type and a Content-Length within the body limit. At 50
 * features per request the framework's routing, hooks and reply machinery cost about as much as
 * the lookup itself. Anything else returns false and takes the Fastify route, which answers the
 * same through the same onlineRequestOf and getOnlineText; errors get the same envelope.
 */
export function onlineFastPath(
  online: FeatureOnlineService,
  options: {
    readonly prefixes: readonly { from: string; to: string }[];
    readonly bodyLimitBytes: number;
    /** For failures that are the server's (the app's logger, once it exists). */
    readonly logError: (error: unknown, message: string) => void;
  },
): RawHandler {
  const paths = new Set(onlinePaths(options.prefixes));
  // Answers go out together once per event-loop turn, after every request that arrived with them
  // has been read: the next requests then also arrive together, and each wake-up of the loop
  // serves many sockets (serving.md measured +43% on a plain POST route this way).
  let replies: (() => void)[] = [];
  const flush = () => {
    const now = replies;
    replies = [];
    for (const reply of now) reply();
  };
  const later = (reply: () => void) => {
    if (replies.push(reply) === 1) setImmediate(flush);
  };
  return (request, response) => {
    if (request.method !== "POST" || !paths.has(request.url ?? "")) return false;
    const headers = request.headers;
    if (!isJsonContentType(headers["content-type"])) return false;
    const declared = headers["content-length"];
    const length = declared === undefined ? Number.NaN : Number(declared);
    if (!(length >= 0 && length <= options.bodyLimitBytes)) return false;
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let answer: Promise<string>;
      try {
        answer = online.getOnlineText(onlineRequestOf(parseJsonBody(body.toString("utf8"))));
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer.then(
        (text) =>
          later(() => {
            response.writeHead(200, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text) });
            response.end(text);
          }),
        (error: unknown) => {
          const gyre =
            error instanceof GyreError
              ? error
              : new GyreError(
                  "INTERNAL_ERROR",
                  `Internal error while handling POST ${request.url}; see the server log.`,
                );
          if (gyre.status >= 500) options.logError(error, "request failed");
          const text = JSON.stringify(gyre.toJSON());
          response.writeHead(gyre.status, {
            "content-type": JSON_TYPE,
            "content-length": Buffer.byteLength(text),
          });
          response.end(text);
        },
      );
    });
    return true;
  };
}
