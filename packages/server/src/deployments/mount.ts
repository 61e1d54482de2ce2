import type { IncomingMessage, ServerResponse } from "node:http";
import { GyreError } from "@gyre/core";
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from "fastify";
import type { FeatureServiceLookup } from "../features/serving.js";
import type { DeploymentEngine } from "./engine.js";

/** Where every deployment's protocols are mounted: /serving/{deployment}/… */
export const SERVING_PREFIX = "/serving";

type Scoped = FastifyRequest<{ Params: { deployment: string } }>;

/**
 * Plain V2 inference on a deployment, straight on node:http ahead of Fastify as on `gyre serve`.
 * A deployment naming a feature service needs Fastify's feature-serving hook, so its requests
 * never take this path (nor does any until the hook has seen the served revision once).
 */
export function deploymentFastPath(
  engine: DeploymentEngine,
  lookup: FeatureServiceLookup,
  bodyLimitBytes: number,
  log: () => FastifyBaseLogger,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return engine.servingModule.v2FastPath({
    models: {
      prefix: SERVING_PREFIX,
      viewOf: (name) => (lookup.knownPlain(name) ? engine.view(name) : undefined),
    },
    observer: engine.telemetry,
    bodyLimitBytes,
    log,
  });
}

/**
 * Mounts the serving protocols once, under a parametric prefix, so deployments created after
 * the server started are served without new routes: each request picks its deployment's own
 * view from the path. Each deployment gets a whole serving root — MLflow's /invocations, /ping,
 * /health and /version, the Open Inference Protocol under /v2 (its model name is the deployment's)
 * and KServe V1 — so protocol clients work with `/serving/{name}` as their base URL, and nothing
 * clashes with the tracking server's own /health and /version. The deployments' metrics join
 * the server's GET /metrics.
 */
export async function mountDeployments(app: FastifyInstance, engine: DeploymentEngine): Promise<void> {
  const serving = engine.servingModule;
  await app.register(
    async (scope) => {
      scope.addHook("onRequest", async (request: Scoped, reply) => {
        const name = request.params.deployment;
        if (engine.view(name)) return;
        const error = new GyreError("RESOURCE_DOES_NOT_EXIST", `Deployment '${name}' is not served here.`);
        // Each protocol's own error shape: {"error"} for V2 and V1, MLflow's {error_code, message} otherwise.
        const rest = request.url.slice(`${SERVING_PREFIX}/${encodeURIComponent(name)}`.length);
        const body = /^\/v[12](\/|$|\?)/.test(rest) ? { error: error.message } : error.toJSON();
        // Every answer of a serving root carries its request id, this one too.
        serving.requestIdOf(request, reply);
        return reply.status(404).send(body);
      });
      await serving.registerServingRoutes(scope, {
        // The hook above answered for unknown names, so a view exists for every request that gets here.
        models: (request) => engine.view((request as Scoped).params.deployment)!,
        observer: engine.telemetry,
      });
    },
    { prefix: `${SERVING_PREFIX}/:deployment` },
  );
  app.get("/metrics", async (_request, reply) =>
    reply.type(serving.PROMETHEUS_CONTENT_TYPE).send(await engine.renderMetrics()),
  );
}
