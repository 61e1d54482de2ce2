import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { FetchLike } from "@gyre/sdk";

/** What the adapter needs from a Fastify app: its in-memory request injection. */
export interface Injectable {
  inject(options: {
    method: string;
    url: string;
    headers: Record<string, string>;
    payload?: string | Buffer | Readable;
  }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    rawPayload: Buffer;
  }>;
}

/** Statuses whose Response must have a null body (WHATWG fetch). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A fetch that hands requests to an in-process Fastify app instead of a socket, so the CLI talks
 * to an embedded store through the very same SDK code as to a remote server. Responses are
 * buffered, which suits the CLI's JSON calls.
 */
export function injectFetch(app: Injectable): FetchLike {
  return async (url, init) => {
    const { pathname, search } = new URL(url);
    const response = await app.inject({
      method: init.method ?? "GET",
      url: `${pathname}${search}`,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      payload: payloadOf(init.body),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, String(item));
    }
    const body = NULL_BODY_STATUSES.has(response.statusCode) ? null : new Uint8Array(response.rawPayload);
    return new Response(body, { status: response.statusCode, headers });
  };
}

function payloadOf(body: RequestInit["body"]): string | Buffer | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError(`In-process fetch does not support ${Object.prototype.toString.call(body)} bodies.`);
}
