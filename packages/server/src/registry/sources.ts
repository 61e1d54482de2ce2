import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidParameter } from "@gyre/core";
import { uriScheme } from "./model-uri.js";

/**
 * Model-version source validation, as MLflow's server does it (`_validate_source`): a local path
 * must lie inside the artifact directory of the run given as run_id; a file: URI naming another
 * host is refused; any other URI must carry an absolute path that is already normal — no `..`,
 * no `.`, no NUL, not empty — even after percent-decoding, however many times it was encoded.
 */

/** Python's unquote_plus: '+' is a space, %XX sequences decode as UTF-8 (invalid bytes → U+FFFD). */
function unquotePlus(text: string): string {
  return text
    .replaceAll("+", " ")
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8"));
}

/** The path component of a URI, as Python's urlparse finds it (no query, no fragment). */
function urlPath(uri: string): string {
  const scheme = uriScheme(uri);
  let rest = scheme === undefined ? uri : uri.slice(scheme.length + 1);
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end < 0 ? "" : rest.slice(2 + end);
  }
  const stop = rest.search(/[?#]/);
  return stop < 0 ? rest : rest.slice(0, stop);
}

const hostOf = (uri: string) => /^[a-zA-Z][\w+.-]*:\/\/([^/?#]*)/.exec(uri)?.[1] ?? "";

/** A plain path, or a file: URI of this host: MLflow's is_local_uri. */
export function isLocalSource(source: string): boolean {
  const scheme = uriScheme(source);
  if (scheme === undefined) return true;
  return scheme === "file" && ["", "localhost", "127.0.0.1"].includes(hostOf(source).toLowerCase());
}

/** A local source as an absolute, normalised path (how MLflow names it once a run is given). */
export function localPath(source: string): string {
  if (uriScheme(source) !== "file") return resolve(source);
  try {
    return resolve(fileURLToPath(source.replace(/^file:\/\/(localhost|127\.0\.0\.1)\//i, "file:///")));
  } catch {
    return resolve(urlPath(source));
  }
}

/** Whether a local source lies inside a run's artifact directory (the run's root must be local too). */
export function isInsideRunArtifacts(source: string, runArtifactUri: string): boolean {
  if (!isLocalSource(runArtifactUri)) return false;
  const root = localPath(runArtifactUri);
  const path = localPath(source);
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

export function invalidLocalSource(source: string) {
  return invalidParameter(
    `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
  );
}

/** The checks that need no store: everything but the local-path containment. */
export function validateRemoteSource(source: string): void {
  if (uriScheme(source) === "file") {
    throw invalidParameter(
      `Invalid model version source: '${source}'. The server doesn't allow using a file URI of another host as a model version source for security reasons.`,
    );
  }
  const message = `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`;
  let decoded = source;
  for (let next = unquotePlus(decoded); next !== decoded; next = unquotePlus(decoded)) decoded = next;
  const path = urlPath(decoded).replace(/\/+$/, "").replace(/\/+/g, "/");
  if (path.includes("\0")) throw invalidParameter(message);
  // Python's Path(path).resolve() must give the path back: absolute, no '.', no '..', not empty.
  const segments = path.split("/").slice(1);
  if (!path.startsWith("/") || segments.some((s) => s === "." || s === "..")) {
    throw invalidParameter(message);
  }
}

/**
 * The run a proxied source (`mlflow-artifacts:/<experiment>/<run>/artifacts/...`) lies in, when
 * the path has that shape: the caller confirms against the run's own artifact URI.
 */
export function proxiedRunCandidate(source: string): string | undefined {
  if (uriScheme(source) !== "mlflow-artifacts") return undefined;
  const parts = proxiedPath(source).split("/");
  return parts.length >= 3 && parts[2] === "artifacts" && parts[1] ? parts[1] : undefined;
}

/** The store-relative path of a mlflow-artifacts: URI (authority dropped, no leading slash). */
export function proxiedPath(uri: string): string {
  return urlPath(uri).replace(/^\/+/, "").replace(/\/+$/, "");
}
