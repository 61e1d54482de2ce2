/**
 * Server child: a Gyre instance on an ephemeral loopback port.
 * Usage: node gyre-server.js <backendStoreUri> <artifactsDestination>
 */
import { createGyre } from "@gyre/server";
import { serveChild } from "./child-protocol.js";

const [backendStoreUri, artifactsDestination] = process.argv.slice(2);
if (!backendStoreUri || !artifactsDestination) {
  console.error("usage: gyre-server.js <backendStoreUri> <artifactsDestination>");
  process.exit(2);
}

await serveChild(async () => {
  const gyre = await createGyre({
    backendStoreUri,
    artifactsDestination,
    host: "127.0.0.1",
    port: 0,
    logLevel: false,
  });
  return { baseUrl: await gyre.listen(), close: () => gyre.close() };
});
