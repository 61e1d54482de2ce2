import { createServer } from "node:http";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { noRoute } from "./protocols/http.js";
import { requestIdOf } from "./protocols/observe.js";
import { registerServingRoutes, type ServingRoutesOptions } from "./protocols/routes.js";
import { v2FastPath } from "./protocols/v2-fast-path.js";

export interface ServingAppOptions extends ServingRoutesOptions {
  /** Pino log level, or false (default) for no request log. */
  readonly logLevel?: string | false;
}

const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
const KEEP_ALIVE_MS = 65_000;

/**
 * A Fastify instance serving only the inference protocols (`gyre serve`, benchmarks, tests).
 * Plain V2 inference requests arriving over the network take a raw node:http fast path ahead of
 * Fastify (`v2-fast-path.ts`) unless request logging is on; `inject` always goes through Fastify.
 */
/** A URL that is not valid percent-encoding fails before routing: the protocols' {error} shape. */
function badUrlReply(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  requestIdOf(request, reply);
  void reply.status(400).send({ error: error.message });
}

export async function buildServingApp(options: ServingAppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const models = options.models;
  let app: FastifyInstance | undefined;
  const fast =
    typeof models === "function" || options.logLevel
      ? undefined
      : v2FastPath({
          models,
          observer: options.observer,
          bodyLimitBytes: bodyLimit,
          log: () => app!.log,
        });
  app = Fastify({
    logger: options.logLevel ? { level: options.logLevel } : false,
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: badUrlReply,
    // Load balancers and clients keep connections open; reuse them.
    keepAliveTimeout: KEEP_ALIVE_MS,
    ...(fast
      ? {
          serverFactory: (handler: Parameters<typeof createServer>[1] & object) => {
            const server = createServer((request, response) => {
              if (!fast(request, response)) handler(request, response);
            });
            // What Fastify sets on a server it creates itself.
            server.keepAliveTimeout = KEEP_ALIVE_MS;
            return server;
          },
        }
      : {}),
  });
  // /v2 and /v1 answer unknown routes themselves; everything else gets the same {error} shape.
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: noRoute(request) }));
  await registerServingRoutes(app, options);
  return app;
}
