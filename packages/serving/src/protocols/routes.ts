import type { FastifyInstance } from "fastify";
import type { ModelRegistryView } from "../registry-view.js";
import { registerMlflowRoutes } from "./mlflow-routes.js";
import { registerV1Routes } from "./v1-routes.js";
import { registerV2Routes } from "./v2-routes.js";

export interface ServingRoutesOptions {
  readonly models: ModelRegistryView;
  /** Reported by GET /v2; default "gyre". */
  readonly serverName?: string;
  /** Reported by GET /v2; default "0.1.0". */
  readonly serverVersion?: string;
  /** Answered by GET /version (MLflow's scoring server answers its own version). */
  readonly mlflowVersion?: string;
  /** Largest request body; default the Fastify instance's `bodyLimit`. */
  readonly bodyLimitBytes?: number;
}

/**
 * Mounts the three protocols on one port: the Open Inference Protocol under /v2, KServe V1 under
 * /v1, and MLflow's scoring routes at the root (/invocations, /ping, /health, /version). Each is
 * an encapsulated scope with its own body parsing and error format.
 */
export async function registerServingRoutes(
  app: FastifyInstance,
  options: ServingRoutesOptions,
): Promise<void> {
  await app.register(async (scope) => registerV2Routes(scope, options), { prefix: "/v2" });
  await app.register(async (scope) => registerV1Routes(scope, options), { prefix: "/v1" });
  await app.register(async (scope) => registerMlflowRoutes(scope, options));
}
