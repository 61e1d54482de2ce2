import { performance } from "node:perf_hooks";
import type { Transport } from "./transport.js";

/**
 * The benchmark client: one sequential caller, each request awaited before the next, over one
 * kept-alive loopback connection — the shape of the spec's Python client (§9.2).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Timed<T> {
  value: T;
  /** Wall time from send to fully parsed body, as a user of the API sees it. */
  ms: number;
  /** Response body size in UTF-16 code units (= bytes for the ASCII JSON these APIs return). */
  bytes: number;
}

export class JsonClient {
  constructor(
    readonly baseUrl: string,
    private readonly transport: Transport,
  ) {}

  post(path: string, body: JsonObject): Promise<Timed<JsonObject>> {
    return this.send("POST", path, JSON.stringify(body));
  }

  get(path: string, query: Record<string, string>): Promise<Timed<JsonObject>> {
    return this.send("GET", `${path}?${new URLSearchParams(query)}`);
  }

  private async send(method: "GET" | "POST", path: string, body?: string): Promise<Timed<JsonObject>> {
    const started = performance.now();
    const { status, text } = await this.transport(method, `${this.baseUrl}${path}`, body);
    const parsed: unknown = text === "" ? {} : JSON.parse(text);
    const ms = performance.now() - started;
    if (status < 200 || status > 299) {
      throw new Error(`${method} ${path} answered ${status}: ${text.slice(0, 500)}`);
    }
    return { value: asObject(parsed, path), ms, bytes: text.length };
  }
}

// Narrowing helpers: the client trusts nothing it parsed, and a wrong shape stops the benchmark.

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected a JSON object, got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return value as JsonObject;
}

export function stringAt(object: JsonObject, key: string): string {
  const value = object[key];
  if (typeof value !== "string") throw new Error(`expected string '${key}' in ${brief(object)}`);
  return value;
}

export function optionalStringAt(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return value === undefined ? undefined : stringAt(object, key);
}

/** A repeated proto field: omitted when empty, as MLflow's proto-JSON does. */
export function arrayAt(object: JsonObject, key: string): Json[] {
  const value = object[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected array '${key}' in ${brief(object)}`);
  return value;
}

function brief(object: JsonObject): string {
  return JSON.stringify(object).slice(0, 200);
}
