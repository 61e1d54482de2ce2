import type { Duplex } from "node:stream";
import { ERROR_HTTP_STATUS, type ErrorCode, GyreError } from "@gyre/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RouteMethods } from "./method-not-allowed.js";

/** Fastify's own request errors, translated once into the closed error table. */
const FRAMEWORK_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_JSON_BODY: "INVALID_PARAMETER_VALUE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "INVALID_PARAMETER_VALUE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "INVALID_PARAMETER_VALUE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
  FST_ERR_BAD_URL: "BAD_REQUEST",
  FST_ERR_ASYNC_CONSTRAINT: "BAD_REQUEST",
};

/**
 * Errors Fastify raises before any handler runs (a URL that is not valid percent-encoding): the
 * same envelope as every other error, not Fastify's own `{error, code, statusCode}`.
 */
export function frameworkErrorReply(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const code = FRAMEWORK_ERRORS[error.code] ?? "BAD_REQUEST";
  void reply.status(ERROR_HTTP_STATUS[code]).send({ error_code: code, message: error.message });
}

/**
 * Requests too malformed for the HTTP parser (bad Content-Length, oversized headers or URL) never
 * reach a route; they still get the {error_code, message} envelope, then the socket is closed.
 */
export function writeClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const reason =
    error.code === "HPE_HEADER_OVERFLOW" ? "request line or headers too large" : (error.code ?? "unparsable");
  const body = JSON.stringify({ error_code: "BAD_REQUEST", message: `Malformed HTTP request: ${reason}.` });
  socket.end(
    `HTTP/1.1 ${ERROR_HTTP_STATUS.BAD_REQUEST} Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Error answers in the {error_code, message} envelope. Call before any route is added: the
 * routes are watched as they come, to tell a wrong method (405) from an unknown path (404).
 */
export function installErrorHandlers(app: FastifyInstance): void {
  const routeMethods = new RouteMethods();
  routeMethods.watch(app);
  app.setErrorHandler((error: FastifyError | GyreError, request, reply) => {
    if (error instanceof GyreError) {
      if (error.status >= 500) request.log.error({ err: error }, "request failed");
      return reply.status(error.status).send(error.toJSON());
    }
    const mapped = FRAMEWORK_ERRORS[error.code];
    if (mapped) {
      return reply.status(ERROR_HTTP_STATUS[mapped]).send({ error_code: mapped, message: error.message });
    }
    if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(400).send({ error_code: "BAD_REQUEST", message: error.message });
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.status(500).send({
      error_code: "INTERNAL_ERROR",
      message: `Internal error while handling ${request.method} ${request.url} (request ${request.id}); see the server log.`,
    });
  });

  // A JSON 404 with ENDPOINT_NOT_FOUND is what MLflow's client waits for before trying a route's
  // other declared method, so unknown routes must stay 404. Every method MLflow declares for a
  // route is served, so a 405 only ever answers a request no MLflow client makes.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    const allowed = routeMethods.allowedFor(path);
    if (allowed.length > 0) {
      return reply
        .status(ERROR_HTTP_STATUS.METHOD_NOT_ALLOWED)
        .header("allow", allowed.join(", "))
        .send({
          error_code: "METHOD_NOT_ALLOWED",
          message: `${request.method} is not allowed on ${path}; it takes ${allowed.join(", ")}.`,
        });
    }
    return reply
      .status(404)
      .send({ error_code: "ENDPOINT_NOT_FOUND", message: `No route for ${request.method} ${path}` });
  });
}
