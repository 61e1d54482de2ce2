import { GyreError, type ParsedRequestOf, type ResponseOf, type RouteContract } from "@gyre/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { jsonTextMayHoldNul, parseRequest } from "./validation.js";

/** What the HTTP layer knows about a call beyond its payload; the handlers pick what they need. */
export interface CallContext {
  /** The `x-gyre-user` header: who makes the call, when the client says so. */
  readonly user?: string;
}

/** The service call behind each contract, keyed by the contract's operation name. */
export type Handlers<Routes extends readonly RouteContract[]> = {
  [C in Routes[number] as C["operation"]]: (
    request: ParsedRequestOf<C>,
    call: CallContext,
  ) => Promise<ResponseOf<C>>;
};

const USER_HEADER = "x-gyre-user";

function callContextOf(request: FastifyRequest): CallContext {
  const user = request.headers[USER_HEADER];
  return typeof user === "string" && user.trim() !== "" ? { user: user.trim() } : {};
}

const UNSUPPORTED_BODY = Symbol("unsupported content type");
/** Bodies parsed from JSON text without a `\u0000` escape: no field can hold a NUL. */
const NUL_FREE_BODIES = new WeakSet<object>();
const CONTENT_TYPE_ERROR = "Bad Request. Content-Type must be one of ['application/json'].";

/** Fastify never reads a GET body, so the JSON-body fallback for GET reads the socket itself. */
async function readGetBody(request: FastifyRequest, limit: number): Promise<unknown> {
  return parseJsonBody(await readText(request.raw, limit));
}

async function readText(stream: AsyncIterable<unknown>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GyreError("PAYLOAD_TOO_LARGE", `Request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function hasBody(request: FastifyRequest): boolean {
  const length = Number(request.headers["content-length"] ?? 0);
  return length > 0 || request.headers["transfer-encoding"] !== undefined;
}

/**
 * MLflow reads GET arguments from the query string, and from a JSON body when there is no query
 * string (old clients do `curl -X GET --data '{...}'`); other methods take the JSON body, where a
 * missing body means `{}`.
 */
export async function payloadOf(request: FastifyRequest): Promise<unknown> {
  const body = request.body;
  if (body === UNSUPPORTED_BODY) throw new GyreError("INVALID_PARAMETER_VALUE", CONTENT_TYPE_ERROR);
  if (request.method === "GET") {
    const query = request.query as Record<string, unknown>;
    if (Object.keys(query).length > 0 || !hasBody(request)) return query;
    return readGetBody(request, request.server.initialConfig.bodyLimit ?? 1024 * 1024);
  }
  if ((request.method === "POST" || request.method === "PUT") && body === undefined && !isJson(request)) {
    throw new GyreError("INVALID_PARAMETER_VALUE", CONTENT_TYPE_ERROR);
  }
  return body ?? {};
}

/**
 * A JSON request body as every JSON route parses it: empty means `{}`, a double-encoded object is
 * decoded again, and an object parsed from text without a `\u0000` escape is marked NUL-free
 * (see isNulFreeBody). Malformed JSON is an INVALID_PARAMETER_VALUE error.
 */
export function parseJsonBody(text: string): unknown {
  if (text === "" || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
    // Old MLflow clients double-encode: a JSON string holding the JSON object.
    if (typeof value === "string") value = JSON.parse(value);
  } catch (error) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Malformed JSON request body: ${(error as Error).message}`,
    );
  }
  if (typeof value === "object" && value !== null && !jsonTextMayHoldNul(text)) NUL_FREE_BODIES.add(value);
  return value;
}

/** Whether the JSON parser cleared this body of NUL characters (see parseRequest's nulFree). */
export function isNulFreeBody(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && NUL_FREE_BODIES.has(payload);
}

function isJson(request: FastifyRequest): boolean {
  return isJsonContentType(request.headers["content-type"]);
}

/** A Content-Type header that names application/json (parameters such as charset aside). */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";
}

/** Registers JSON contracts; mounted once per prefix (MLflow serves /api and /ajax-api alike). */
export function registerJsonRoutes<Routes extends readonly RouteContract[]>(
  app: FastifyInstance,
  routes: Routes,
  handlers: Handlers<Routes>,
  prefixes: { from: string; to: string }[] = [],
): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(error as GyreError);
    }
  });
  app.addContentTypeParser("*", (request, payload, done) => {
    // MLflow parses PATCH and DELETE bodies as JSON whatever their content type (spec §2.2).
    if (request.method === "PATCH" || request.method === "DELETE") {
      readText(payload, request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024)
        .then(parseJsonBody)
        .then(
          (body) => done(null, body),
          (error: Error) => done(error),
        );
      return;
    }
    payload.resume();
    payload.on("end", () => done(null, UNSUPPORTED_BODY));
    payload.on("error", done);
  });

  for (const contract of routes) {
    const handler = (handlers as Record<string, (request: unknown, call: CallContext) => Promise<unknown>>)[
      contract.operation
    ];
    if (!handler) throw new Error(`No handler for ${contract.operation}`);
    const paths = [contract.path, ...prefixes.map((p) => contract.path.replace(p.from, p.to))];
    for (const url of paths) {
      app.route({
        method: [...contract.methods],
        url,
        handler: async (request, reply) => {
          const payload = await payloadOf(request);
          const nulFree = typeof payload === "object" && payload !== null && NUL_FREE_BODIES.has(payload);
          const parsed = parseRequest(contract, payload, nulFree);
          const result = await handler(parsed, callContextOf(request));
          return reply.type("application/json").send(JSON.stringify(result));
        },
      });
    }
  }
}
