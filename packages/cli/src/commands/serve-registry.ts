import { GyreClient } from "@gyre/sdk";
import { redactCredentials } from "../format/redact.js";
import { injectFetch } from "../inject-fetch.js";
import type { TrackingTarget } from "../tracking-store.js";

/** The registry `gyre serve` resolves and polls, open for as long as it serves. */
export interface RegistryConnection {
  readonly client: GyreClient;
  /** The embedded store's artifact directory, read directly; undefined for a remote server. */
  readonly artifactsDir: string | undefined;
  /** For the start-up banner: the server URL, or the embedded store. */
  readonly description: string;
  close(): Promise<void>;
}

/** Any http(s) URL works as the SDK's base; the in-process fetch never resolves it. */
const IN_PROCESS_URL = "http://gyre.in-process";

/**
 * The CLI's tracking-URI rule, kept open: a remote server through the SDK, or the embedded store
 * opened in this process and reached through the same SDK calls (`inject-fetch`). Unlike
 * `withTracking`, the store stays open — following an alias polls it for the whole run.
 */
export async function openRegistry(target: TrackingTarget): Promise<RegistryConnection> {
  if (target.kind === "server") {
    return {
      client: new GyreClient({ trackingUri: target.uri }),
      artifactsDir: undefined,
      description: redactCredentials(target.uri),
      close: async () => undefined,
    };
  }
  const { createGyre, embeddedDefaults } = await import("@gyre/server");
  const defaults = embeddedDefaults(target.home);
  const backendStoreUri = target.backendStoreUri ?? defaults.backendStoreUri;
  const server = await createGyre({
    backendStoreUri,
    // Where `gyre server` keeps artifacts by default, so both see the same files.
    artifactsDestination: defaults.artifactsDestination,
    logLevel: false,
  });
  return {
    // No network in between, so nothing to retry.
    client: new GyreClient({ trackingUri: IN_PROCESS_URL, fetch: injectFetch(server.app), maxRetries: 0 }),
    artifactsDir: defaults.artifactsDestination,
    description: `${redactCredentials(backendStoreUri)} (in-process)`,
    close: () => server.close(),
  };
}
