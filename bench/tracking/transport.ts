import { Agent, request } from "node:http";

/**
 * How the client puts a request on the wire. `http` (node:http with a keep-alive agent, like the
 * plain-HTTP client MLflow's baseline was measured with) is the default: it costs the client about
 * a tenth of the CPU per request of `fetch` (Node's bundled undici), so the figures show the
 * server rather than the client on these shared two cores. Both keep one connection alive across
 * the sequential loop.
 */
export type TransportName = "fetch" | "http";
export const TRANSPORTS: readonly TransportName[] = ["fetch", "http"];

export interface RawResponse {
  status: number;
  text: string;
}

export type Transport = (method: "GET" | "POST", url: string, body?: string) => Promise<RawResponse>;

const JSON_HEADERS = { "content-type": "application/json" };

export function transport(name: TransportName): Transport {
  return name === "fetch" ? fetchTransport : httpTransport(new Agent({ keepAlive: true, maxSockets: 1 }));
}

// No per-request AbortSignal: it costs ~12% of a loopback request; main.ts has a watchdog instead.
const fetchTransport: Transport = async (method, url, body) => {
  const response = await fetch(
    url,
    body === undefined ? { method } : { method, headers: JSON_HEADERS, body },
  );
  return { status: response.status, text: await response.text() };
};

function httpTransport(agent: Agent): Transport {
  return (method, url, body) =>
    new Promise((resolve, reject) => {
      const headers =
        body === undefined ? {} : { ...JSON_HEADERS, "content-length": Buffer.byteLength(body) };
      const outgoing = request(url, { method, agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
}
