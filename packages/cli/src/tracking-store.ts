import { resolve } from "node:path";
import { type Environment, Gyre, trackingUriFromEnv } from "@gyre/sdk";
import type { ServerConfigInput } from "@gyre/server";
import { injectFetch } from "./inject-fetch.js";

/** $GYRE_HOME, else ./gyre-data: where the embedded store and its artifacts live. */
export function gyreHome(env: Environment): string {
  return resolve(env.GYRE_HOME?.trim() || "gyre-data");
}

export type TrackingTarget =
  | { kind: "server"; uri: string }
  /** No `backendStoreUri` means the embedded store under `home`. */
  | { kind: "in-process"; backendStoreUri: string | undefined; home: string };

/**
 * The one rule every command follows: --tracking-uri, else the environment, else the embedded
 * store. Anything not http(s) is a store URI opened in-process, and the store judges whether it
 * is valid.
 */
export function resolveTrackingTarget(flag: string | undefined, env: Environment): TrackingTarget {
  const uri = flag?.trim() || trackingUriFromEnv(env);
  if (uri !== undefined && /^https?:\/\//i.test(uri)) return { kind: "server", uri };
  return { kind: "in-process", backendStoreUri: uri, home: gyreHome(env) };
}

/** Any http(s) URL works as the SDK's base; the in-process fetch never resolves it. */
const IN_PROCESS_URL = "http://gyre.in-process";

/**
 * Opens the target as an SDK client, runs `use`, and closes whatever was opened. `inProcess` adds
 * server settings for an in-process store (e.g. the feature store's online store).
 */
export async function withTracking<T>(
  target: TrackingTarget,
  use: (gyre: Gyre) => Promise<T>,
  inProcess: Partial<ServerConfigInput> = {},
): Promise<T> {
  if (target.kind === "server") return use(new Gyre({ trackingUri: target.uri }));
  // Loaded only here and in `gyre server`: it is most of the CLI's start-up time.
  const { createGyre, embeddedDefaults } = await import("@gyre/server");
  const defaults = embeddedDefaults(target.home);
  const server = await createGyre({
    backendStoreUri: target.backendStoreUri ?? defaults.backendStoreUri,
    // Artifacts go where `gyre server` puts them by default, so both see the same files.
    artifactsDestination: defaults.artifactsDestination,
    logLevel: false,
    ...inProcess,
  });
  try {
    // No network in between, so nothing to retry.
    return await use(
      new Gyre({ trackingUri: IN_PROCESS_URL, fetch: injectFetch(server.app), maxRetries: 0 }),
    );
  } finally {
    await server.close();
  }
}
