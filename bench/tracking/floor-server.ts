/**
 * Floor child: the least a Node HTTP server can do for a JSON POST — read the body, answer `{}`.
 * Driven by the same client loop as Gyre, it measures what loopback, node:http and the client
 * cost on this machine right now, so Gyre's request rate can be read as a fraction of it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serveChild } from "./child-protocol.js";

await serveChild(async () => {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      // Parse what a real server would, so the floor is not cheaper than any JSON API can be.
      JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      response.writeHead(200, { "content-type": "application/json", "content-length": "2" });
      response.end("{}");
    });
  });
  // Same keep-alive window as Fastify's default, so the client's socket is never dropped mid-loop.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
