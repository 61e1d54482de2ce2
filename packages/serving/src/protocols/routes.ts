import type { FastifyInstance } from "fastify";
import type { ModelsSource } from "./http.js";
import { registerMlflowRoutes } from "./mlflow-routes.js";
import type { ServingObserver } from "./observe.js";
import { registerV1Routes } from "./v1-routes.js";
import { registerV2Routes } from "./v2-routes.js";

export type { ModelsSource } from "./http.js";

export interface ServingRoutesOptions {
  readonly models: ModelsSource;
  /** Reported by GET /v2; default "gyre". */
  readonly serverName?: string;
  /** Reported by GET /v2; default "0.1.0". */
  readonly serverVersion?: string;
  /** Answered by GET /version (MLflow's scoring server answers its own version). */
  readonly mlflowVersion?: string;
  /** Largest request body; default the Fastify instance's `bodyLimit`. */
  readonly bodyLimitBytes?: number;
  /** Told every inference outcome (metrics, prediction log); none by default. */
  readonly observer?: ServingObserver;
  /** Answers GET /metrics (Prometheus text) when given. */
  readonly metrics?: MetricsSource;
}

/** Where GET /metrics gets its text: one process's registry, or the sum over cluster workers. */
export interface MetricsSource {
  render(): string | Promise<string>;
}

/** Prometheus' text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Mounts the three protocols on one port: the Open Inference Protocol under /v2, KServe V1 under
 * /v1, and MLflow's scoring routes at the root (/invocations, /ping, /health, /version). Each is
 * an encapsulated scope with its own body parsing and error format. GET /metrics sits beside them.
 */
export async function registerServingRoutes(
  app: FastifyInstance,
  options: ServingRoutesOptions,
): Promise<void> {
  await app.register(async (scope) => registerV2Routes(scope, options), { prefix: "/v2" });
  await app.register(async (scope) => registerV1Routes(scope, options), { prefix: "/v1" });
  await app.register(async (scope) => registerMlflowRoutes(scope, options));
  const { metrics } = options;
  if (metrics) {
    app.get("/metrics", async (_request, reply) =>
      reply.type(PROMETHEUS_CONTENT_TYPE).send(await metrics.render()),
    );
  }
}
