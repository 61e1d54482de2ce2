import type { IncomingMessage, ServerResponse } from "node:http";
import type { ModelRegistryView } from "../registry-view.js";
import { HEADER_LENGTH_HEADER } from "./binary-tensors.js";
import { type ErrorLog, toGyreError } from "./http.js";
import {
  InferenceRecord,
  REQUEST_ID_HEADER,
  report,
  requestIdFrom,
  type ServingObserver,
} from "./observe.js";
import { inferV2 } from "./v2-infer.js";

/** `/v2/models/{name}/infer` and `/v2/models/{name}/versions/{v}/infer`, exactly (no query, no trailing slash). */
const INFER = "\\/v2\\/models\\/([^/?#]+)(?:\\/versions\\/([^/?#]+))?\\/infer$";

/**
 * Serving roots mounted under `{prefix}/{deployment}` (`gyre server`'s `/serving/{name}`): each
 * request's deployment picks its view; undefined declines the request, which Fastify then
 * answers (an unknown deployment, or one whose requests need Fastify's hooks).
 */
export interface MountedModels {
  readonly prefix: string;
  viewOf(deployment: string): ModelRegistryView | undefined;
}

export interface FastPathOptions {
  /** `gyre serve`'s one view at the root, or mounted deployments. */
  readonly models: ModelRegistryView | MountedModels;
  readonly observer: ServingObserver | undefined;
  readonly bodyLimitBytes: number;
  /** The app's logger, for failures that are the server's. */
  readonly log: () => ErrorLog;
}

/**
 * Open Inference Protocol inference straight on node:http, ahead of Fastify: the benchmark's
 * hot path spends a sixth of its CPU in the framework's routing, hooks, body parsing and reply
 * machinery. `gyre serve` mounts it at the root, `gyre server` under each deployment's
 * `/serving/{name}`. Only the plain form takes it — a POST to an exact infer path with a
 * Content-Length within the body limit and no binary tensors; anything else returns false and
 * goes through the Fastify route, which answers the same through the same `inferV2`.
 */
export function v2FastPath(
  options: FastPathOptions,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  const { observer, bodyLimitBytes } = options;
  const mounted = "viewOf" in options.models ? options.models : undefined;
  const root = mounted ? undefined : (options.models as ModelRegistryView);
  const path = mounted
    ? new RegExp(`^${mounted.prefix.replace(/[/.]/g, "\\$&")}\\/([^/?#]+)${INFER}`)
    : new RegExp(`^${INFER}`);
  const first = mounted ? mounted.prefix.charCodeAt(1) : 118; /* "v" */
  return (request, response) => {
    if (request.method !== "POST") return false;
    const url = request.url ?? "";
    if (url.charCodeAt(1) !== first) return false;
    const match = path.exec(url);
    if (!match) return false;
    const headers = request.headers;
    if (headers[HEADER_LENGTH_HEADER] !== undefined) return false;
    const declared = headers["content-length"];
    const length = declared === undefined ? Number.NaN : Number(declared);
    if (!(length >= 0 && length <= bodyLimitBytes)) return false;
    const at = mounted ? 2 : 1;
    let deployment: string | undefined;
    let name: string;
    let version: string | undefined;
    try {
      deployment = mounted ? decodeURIComponent(match[1]!) : undefined;
      name = decodeURIComponent(match[at]!);
      version = match[at + 1] === undefined ? undefined : decodeURIComponent(match[at + 1]!);
    } catch {
      return false;
    }
    const view = mounted ? mounted.viewOf(deployment!) : root;
    if (!view) return false;

    const requestId = requestIdFrom(headers);
    const record = new InferenceRecord(requestId);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      inferV2({ view, name, version, context: { requestId, headers }, body, record }).then(
        (answer) => {
          const head: Record<string, string | number> = {
            "content-type":
              answer.contentType === "application/json"
                ? "application/json; charset=utf-8"
                : answer.contentType,
            "content-length": Buffer.byteLength(answer.payload),
            [REQUEST_ID_HEADER]: requestId,
          };
          if (answer.headerLength !== undefined) head[HEADER_LENGTH_HEADER] = answer.headerLength;
          response.writeHead(200, head);
          response.end(answer.payload);
          if (observer) report(observer, "v2", record, 200);
        },
        (error: unknown) => {
          const gyre = toGyreError(error, "POST", url, options.log());
          const text = JSON.stringify({ error: gyre.message });
          response.writeHead(gyre.status, {
            "content-type": "application/json; charset=utf-8",
            "content-length": Buffer.byteLength(text),
            [REQUEST_ID_HEADER]: requestId,
            ...(gyre.code === "TEMPORARILY_UNAVAILABLE" ? { "retry-after": "1" } : {}),
          });
          response.end(text);
          if (observer) report(observer, "v2", record, gyre.status);
        },
      );
    });
    return true;
  };
}
