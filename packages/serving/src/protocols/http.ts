import { type ErrorCode, GyreError } from "@gyre/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ModelRegistryView, RequestContext, ServedModel } from "../registry-view.js";
import { type Observation, requestIdOf } from "./observe.js";

export { REQUEST_ID_HEADER } from "./observe.js";

export function contextOf(request: FastifyRequest, reply: FastifyReply): RequestContext {
  return { requestId: requestIdOf(request, reply), headers: request.headers };
}

/** Fastify's own request errors, translated into the closed error table. */
const FRAMEWORK_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BAD_REQUEST",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "BAD_REQUEST",
};

/** Where a failed request is reported: Fastify's request logger, or the app's for the raw fast path. */
export interface ErrorLog {
  error(details: object, message: string): void;
}

/** Any error as a GyreError; unknown errors are logged and become INTERNAL_ERROR. */
export function asGyreError(error: unknown, request: FastifyRequest): GyreError {
  return toGyreError(error, request.method, request.url, request.log);
}

export function toGyreError(error: unknown, method: string, url: string, log: ErrorLog): GyreError {
  if (error instanceof GyreError) {
    if (error.status >= 500 && error.code !== "TEMPORARILY_UNAVAILABLE")
      log.error({ err: error }, "request failed");
    return error;
  }
  const fastifyError = error as FastifyError;
  const mapped = FRAMEWORK_ERRORS[fastifyError.code];
  if (mapped) return new GyreError(mapped, fastifyError.message);
  if (
    typeof fastifyError.statusCode === "number" &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return new GyreError("BAD_REQUEST", fastifyError.message);
  }
  log.error({ err: error }, "unhandled error");
  return new GyreError(
    "INTERNAL_ERROR",
    `Internal error while handling ${method} ${url.split("?")[0]}; see the server log.`,
  );
}

/** 503 answers say when to retry: the queue drains within milliseconds, so one second is generous. */
export function setRetryAfter(reply: FastifyReply, error: GyreError): void {
  if (error.code === "TEMPORARILY_UNAVAILABLE") reply.header("retry-after", "1");
}

export function notServed(name: string, version: string | undefined): GyreError {
  const what = version === undefined ? `Model '${name}'` : `Model '${name}' version '${version}'`;
  return new GyreError("RESOURCE_DOES_NOT_EXIST", `${what} is not served here.`);
}

export function noRoute(request: FastifyRequest): string {
  return `No route for ${request.method} ${request.url.split("?")[0]}`;
}

/**
 * The Open Inference Protocol's failure shape, `{"error": "..."}` (KServe V1 uses it too), for
 * every error and unknown route of a scope; 503s carry Retry-After.
 */
export function installErrorJson(scope: FastifyInstance, observation: Observation): void {
  scope.setErrorHandler((error, request, reply) => {
    const gyre = asGyreError(error, request);
    requestIdOf(request, reply);
    setRetryAfter(reply, gyre);
    reply.status(gyre.status).send({ error: gyre.message });
    observation.finish(request, reply);
    return reply;
  });
  scope.setNotFoundHandler((request, reply) => {
    requestIdOf(request, reply);
    return reply.status(404).send({ error: noRoute(request) });
  });
}

/** The model for a request, or the 404 / 503 errors every protocol reports. */
export function resolveModel(
  models: ModelRegistryView,
  name: string,
  version: string | undefined,
  context: RequestContext,
): ServedModel {
  const served = models.resolve(name, version, context);
  if (!served) throw notServed(name, version);
  if (!served.predictor.ready) {
    throw new GyreError("TEMPORARILY_UNAVAILABLE", `Model '${name}' is not ready.`);
  }
  return served;
}

/** Raw request bodies: each protocol decodes its own (JSON, CSV, JSON + binary tensors). */
export function acceptRawBodies(scope: FastifyInstance, bodyLimit: number | undefined): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    "*",
    { parseAs: "buffer", ...(bodyLimit ? { bodyLimit } : {}) },
    (_request, body, done) => done(null, body),
  );
}

export function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/**
 * The models a request may reach: one view for the whole app (`gyre serve`), or a view chosen per
 * request — the tracking server mounts every deployment under one parametric prefix and picks
 * the deployment's own view from the path.
 */
export type ModelsSource = ModelRegistryView | ((request: FastifyRequest) => ModelRegistryView);

/** The view behind a request, whichever form the source takes. */
export function modelsOf(source: ModelsSource): (request: FastifyRequest) => ModelRegistryView {
  return typeof source === "function" ? source : () => source;
}
