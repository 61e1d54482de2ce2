import Fastify, { type FastifyInstance } from "fastify";
import { noRoute } from "./protocols/http.js";
import { registerServingRoutes, type ServingRoutesOptions } from "./protocols/routes.js";

export interface ServingAppOptions extends ServingRoutesOptions {
  /** Pino log level, or false (default) for no request log. */
  readonly logLevel?: string | false;
}

/** A Fastify instance serving only the inference protocols (`gyre serve`, benchmarks, tests). */
export async function buildServingApp(options: ServingAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel ? { level: options.logLevel } : false,
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    // Load balancers and clients keep connections open; reuse them.
    keepAliveTimeout: 65_000,
  });
  // /v2 and /v1 answer unknown routes themselves; everything else gets the same {error} shape.
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: noRoute(request) }));
  await registerServingRoutes(app, options);
  return app;
}
