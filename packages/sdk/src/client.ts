import type { HttpMethod, RequestOf, ResponseOf, RouteContract } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { errorFromResponse, unreachableError } from "./http-errors.js";
import { toQueryString } from "./query-string.js";
import { backoffDelayMs, isRetryableStatus, retryAfterMs, sleep } from "./retry.js";
import { resolveTrackingUri } from "./tracking-uri.js";
import { currentUser, USER_HEADER, userHeaderValue } from "./user.js";

/** The slice of WHATWG fetch the SDK uses; global fetch fits, and so does an in-process adapter. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface GyreClientOptions {
  /** http(s) URL of the tracking server; defaults to GYRE_TRACKING_URI, MLFLOW_TRACKING_URI, then http://127.0.0.1:5000. */
  trackingUri?: string;
  fetch?: FetchLike;
  /** Sent with every request (e.g. an Authorization header for a server behind a proxy). */
  headers?: Record<string, string>;
  /** Who makes the calls, sent as `x-gyre-user` so the registry's audit log names them; default the OS user. */
  user?: string;
  /** Retries after network errors, 429 and 503; default 3. */
  maxRetries?: number;
  /** Delay before the first retry (doubling afterwards) when the server sends no Retry-After; default 500 ms. */
  retryBaseDelayMs?: number;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute path on the server, already percent-encoded. */
  path: string;
  query?: object;
  json?: unknown;
  /** A streamed body, opened afresh for every attempt so a retried upload resends from the first byte. */
  stream?: () => ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_RETRY_BASE_DELAY_MS = 500;

/** Low-level typed client: one method per HTTP exchange, contracts from @gyre/core give the types. */
export class GyreClient {
  readonly trackingUri: string;
  private readonly fetchImpl: FetchLike;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;

  constructor(options: GyreClientOptions = {}) {
    this.trackingUri = resolveTrackingUri(options.trackingUri);
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.headers = { [USER_HEADER]: userHeaderValue(options.user ?? currentUser()), ...options.headers };
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
  }

  /** Calls one route contract with the method MLflow clients use for it (its first declared one). */
  async call<C extends RouteContract>(contract: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const method = contract.methods[0];
    const body = method === "GET" ? { query: request as object } : { json: request };
    const response = await this.send({ method, path: contract.path, ...body });
    return (await readJsonObject(response, `${method} ${contract.path}`)) as ResponseOf<C>;
  }

  /**
   * One HTTP exchange with retries. Resolves with a 2xx response whose body the caller consumes;
   * anything else becomes a GyreError.
   */
  async send(request: HttpRequest): Promise<Response> {
    const url = `${this.trackingUri}${request.path}${request.query ? toQueryString(request.query) : ""}`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, this.initFor(request));
      } catch (error) {
        if (attempt >= this.maxRetries) throw unreachableError(this.trackingUri, error);
        await sleep(backoffDelayMs(attempt, this.retryBaseDelayMs));
        continue;
      }
      if (response.ok) return response;
      if (attempt < this.maxRetries && isRetryableStatus(response.status)) {
        await response.body?.cancel();
        const delay = retryAfterMs(response.headers.get("retry-after"));
        await sleep(delay ?? backoffDelayMs(attempt, this.retryBaseDelayMs));
        continue;
      }
      throw await errorFromResponse(response, `${request.method} ${request.path}`);
    }
  }

  private initFor(request: HttpRequest): RequestInit {
    const headers: Record<string, string> = { ...this.headers, ...request.headers };
    if (request.stream) {
      // duplex "half" is what lets fetch send a body it has not fully read yet.
      return { method: request.method, headers, body: request.stream(), duplex: "half" };
    }
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      return { method: request.method, headers, body: JSON.stringify(request.json) };
    }
    return { method: request.method, headers };
  }
}

/** MLflow answers JSON objects; an empty 2xx body counts as `{}`, anything else is a server fault. */
async function readJsonObject(response: Response, what: string): Promise<object> {
  const text = await response.text();
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GyreError(
      "INTERNAL_ERROR",
      `${what} answered ${response.status} with a body that is not a JSON object.`,
    );
  }
  return value;
}
