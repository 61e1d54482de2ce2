import { ARTIFACT_PROXY_PREFIX } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";

const PROXY_SCHEME = "mlflow-artifacts:";

/**
 * The proxy path of a run's artifact root: `mlflow-artifacts:/1/<run>/artifacts` → `1/<run>/artifacts`.
 * `mlflow-artifacts://host/…` names a server, but the SDK always goes through its tracking server,
 * as MLflow's client does when the host is its own.
 */
export function proxyRootOf(artifactUri: string): string {
  if (!artifactUri.startsWith(PROXY_SCHEME)) {
    throw new GyreError(
      "NOT_IMPLEMENTED",
      `Artifact URI '${artifactUri}' is not served through the artifact proxy; the SDK transfers artifacts only for mlflow-artifacts: URIs.`,
    );
  }
  const rest = artifactUri.slice(PROXY_SCHEME.length);
  const path = rest.startsWith("//") ? rest.slice(2).replace(/^[^/]*/, "") : rest;
  return joinArtifactPath(path);
}

/** Joins '/'-separated pieces, dropping empty and '.' segments. */
export function joinArtifactPath(...pieces: (string | undefined)[]): string {
  return pieces
    .flatMap((piece) => (piece ?? "").split("/"))
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

/** The URL path of one file behind the artifact proxy, each segment percent-encoded once. */
export function proxyUrlPath(root: string, relativePath: string): string {
  const segments = joinArtifactPath(root, relativePath).split("/").map(encodeURIComponent);
  return `${ARTIFACT_PROXY_PREFIX}/${segments.join("/")}`;
}
