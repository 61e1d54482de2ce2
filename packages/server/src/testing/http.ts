import { createGyre, type Gyre, type ServerConfigInput } from "../index.js";
import type { ScratchStore } from "./scratch-stores.js";

/** A quiet server on an ephemeral loopback port over a scratch store, `extra` config on top. */
export async function startScratchGyre(
  store: ScratchStore,
  extra: Partial<ServerConfigInput> = {},
): Promise<{ gyre: Gyre; url: string }> {
  const gyre = await createGyre({
    backendStoreUri: store.uri,
    artifactsDestination: store.artifacts,
    port: 0,
    logLevel: false,
    ...extra,
  });
  return { gyre, url: await gyre.listen() };
}

/** A server that serves deployments, over a scratch store; polling off (tests change things themselves). */
export function startServingGyre(
  store: ScratchStore,
  extra: Partial<ServerConfigInput> = {},
): Promise<{ gyre: Gyre; url: string }> {
  return startScratchGyre(store, { serveDeployments: true, deploymentPollMs: 0, ...extra });
}

export interface JsonAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  body: any;
  headers: Headers;
}

/**
 * One JSON call to a route of the server at `url`: a GET carries `payload` as its query string,
 * any other method as a JSON body. An empty answer reads as `{}`.
 */
export async function callJson(
  url: string,
  method: string,
  path: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  let target = `${url}${path}`;
  const init: RequestInit = { method, headers };
  if (method === "GET" && payload) target += `?${new URLSearchParams(payload as Record<string, string>)}`;
  else if (payload !== undefined) {
    init.body = JSON.stringify(payload);
    init.headers = { "content-type": "application/json", ...headers };
  }
  const response = await fetch(target, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

/** POST `body` as JSON to `path` on the server at `url`. */
export function postJson(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  return callJson(url, "POST", path, body, headers);
}
