import { GyreError } from "@gyre/core/errors";
import { joinArtifactPath } from "./artifact-paths.js";

/**
 * The model URIs the SDK takes apart itself. `models:/…` URIs are left to the server, which
 * resolves them (versions, aliases, stages, latest); `runs:/<run>/<path>` only needs splitting.
 */
export interface RunsUri {
  readonly runId: string;
  /** Relative to the run's artifact root; "" for the root. */
  readonly path: string;
}

const SCHEME = /^([a-zA-Z][\w+.-]*):/;

export function uriScheme(uri: string): string | undefined {
  return SCHEME.exec(uri)?.[1]?.toLowerCase();
}

export const isModelsUri = (uri: string): boolean => uriScheme(uri) === "models";
export const isRunsUri = (uri: string): boolean => uriScheme(uri) === "runs";

/** `runs:/<run_id>/<path>` (also `runs:///…`); anything else is INVALID_PARAMETER_VALUE. */
export function parseRunsUri(uri: string): RunsUri {
  const match = /^runs:(?:\/\/)?\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(uri);
  if (!match) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Not a proper runs:/ URI: ${uri}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
    );
  }
  return { runId: match[1]!, path: joinArtifactPath(match[2]) };
}

export function runsUri(runId: string, path: string): string {
  return `runs:/${runId}/${joinArtifactPath(path)}`;
}
