import type { ServerConfigInput } from "../../src/config.js";
import { createGyre, type Gyre } from "../../src/index.js";
import type { Backend } from "./backends.js";

export interface TestServer {
  gyre: Gyre;
  baseUrl: string;
  /** JSON call through the real HTTP stack; returns status and parsed body. */
  call(
    method: string,
    path: string,
    payload?: Record<string, unknown>,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** A Gyre server on an ephemeral loopback port over a fresh store of the given backend. */
export async function startTestServer(
  backend: Backend,
  extra: Partial<ServerConfigInput> = {},
): Promise<TestServer> {
  const store = await backend.create();
  const gyre = await createGyre({
    backendStoreUri: store.uri,
    artifactsDestination: store.artifacts,
    port: 0,
    logLevel: false,
    ...extra,
  });
  const baseUrl = await gyre.listen();
  return {
    gyre,
    baseUrl,
    async call(method, path, payload) {
      let url = `${baseUrl}${path}`;
      const init: RequestInit = { method };
      if (method === "GET" && payload) {
        const query = new URLSearchParams();
        for (const [key, value] of Object.entries(payload)) {
          for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
        }
        url += `?${query}`;
      } else if (payload) {
        init.body = JSON.stringify(payload);
        init.headers = { "content-type": "application/json" };
      }
      const response = await fetch(url, init);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : {} };
    },
    async close() {
      await gyre.close();
      await store.dispose();
    },
  };
}
