import type { FetchLike } from "../../src/index.js";

export interface RecordedRequest {
  method: string;
  url: string;
  /** Parsed JSON body, when the request had one. */
  json: unknown;
  headers: Record<string, string>;
  body: RequestInit["body"];
  duplex: RequestInit["duplex"];
}

/** A fetch that passes through to the real one (unless `answer` intercepts) and records each request. */
export function recordingFetch(answer?: (url: string, init: RequestInit) => Response | undefined): {
  fetch: FetchLike;
  requests: RecordedRequest[];
  to(pathSuffix: string): RecordedRequest[];
} {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    to: (pathSuffix) => requests.filter((r) => new URL(r.url).pathname.endsWith(pathSuffix)),
    fetch: async (url, init) => {
      const json = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      requests.push({
        method: init.method ?? "GET",
        url,
        json,
        headers,
        body: init.body,
        duplex: init.duplex,
      });
      return answer?.(url, init) ?? fetch(url, init);
    },
  };
}
