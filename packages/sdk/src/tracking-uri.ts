import { GyreError } from "@gyre/core/errors";

export const DEFAULT_TRACKING_URI = "http://127.0.0.1:5000";

export type Environment = Readonly<Record<string, string | undefined>>;

/** The tracking URI named by the environment, if any: GYRE_TRACKING_URI wins over MLFLOW_TRACKING_URI. */
export function trackingUriFromEnv(env: Environment): string | undefined {
  return nonEmpty(env.GYRE_TRACKING_URI) ?? nonEmpty(env.MLFLOW_TRACKING_URI);
}

/**
 * The server the SDK talks to: the explicit option, else the environment, else a local server on
 * MLflow's default port. The SDK speaks HTTP only; a database URI belongs to the CLI, which runs
 * a server in-process for it.
 */
export function resolveTrackingUri(explicit?: string, env: Environment = process.env): string {
  const uri = nonEmpty(explicit) ?? trackingUriFromEnv(env) ?? DEFAULT_TRACKING_URI;
  if (!/^https?:\/\/[^/]/i.test(uri)) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Unsupported tracking URI '${uri}': the SDK needs an http:// or https:// server URL (run 'gyre server' to serve a local store).`,
    );
  }
  return uri.replace(/\/+$/, "");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
