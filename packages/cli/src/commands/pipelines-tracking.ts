import { Gyre } from "@gyre/sdk";
import type { TrackingTarget } from "../tracking-store.js";

/**
 * The tracking target as an http URL for the length of `use`. Pipelines need a real URL (shell
 * steps hand it to MLflow's client, workers log to it), so an in-process store is served on a
 * loopback port while the command runs.
 */
export async function withTrackingServer<T>(
  target: TrackingTarget,
  use: (uri: string, gyre: Gyre) => Promise<T>,
): Promise<T> {
  if (target.kind === "server") return use(target.uri, new Gyre({ trackingUri: target.uri }));
  const { createGyre, embeddedDefaults } = await import("@gyre/server");
  const defaults = embeddedDefaults(target.home);
  const server = await createGyre({
    backendStoreUri: target.backendStoreUri ?? defaults.backendStoreUri,
    artifactsDestination: defaults.artifactsDestination,
    host: "127.0.0.1",
    port: 0,
    logLevel: false,
  });
  try {
    const uri = await server.listen();
    return await use(uri, new Gyre({ trackingUri: uri }));
  } finally {
    await server.close();
  }
}
