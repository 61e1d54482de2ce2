import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { GyreError, invalidParameter } from "@gyre/core";

export interface ArtifactEntry {
  name: string;
  isDir: boolean;
  size?: number;
}

/**
 * Where artifact bytes live. Paths are relative, '/'-separated and already checked by
 * `safeArtifactPath`. An implementation per URI scheme: the local filesystem today; an
 * object store (s3://) is one more file implementing this.
 */
export interface ArtifactStore {
  /** Streams the body to `path`; resolves once the whole file is durable, never with a partial file visible. */
  write(path: string, body: Readable | Uint8Array): Promise<number>;
  /** Throws RESOURCE_DOES_NOT_EXIST when there is no file at `path`. */
  read(path: string): Promise<{ stream: Readable; size: number }>;
  /** One directory level; a missing directory lists as empty. */
  list(dir: string): Promise<ArtifactEntry[]>;
  /** Removes a file or a whole directory tree; a missing path is not an error. */
  delete(path: string): Promise<void>;
}

/** Normalises a client-supplied artifact path, refusing anything that could escape its root. */
export function safeArtifactPath(raw: string | undefined): string {
  const path = raw ?? "";
  if (path.includes("\0"))
    throw invalidParameter(`Invalid artifact path '${path}': NUL bytes are not allowed.`);
  if (path.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(path) || path.includes("\\")) {
    throw invalidParameter(`Invalid artifact path '${path}': it must be a relative '/'-separated path.`);
  }
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw invalidParameter(`Invalid artifact path '${path}': '..' segments are not allowed.`);
  }
  return parts.join("/");
}

/** Like safeArtifactPath, for operations on one file: the store's root itself is never a file. */
export function safeArtifactFilePath(raw: string | undefined): string {
  const path = safeArtifactPath(raw);
  if (path === "") throw invalidParameter(`Invalid artifact path '${raw ?? ""}': it names no file.`);
  return path;
}

export function unsupportedArtifactUri(uri: string): GyreError {
  return new GyreError(
    "NOT_IMPLEMENTED",
    `Artifact URI '${uri}' is not supported: use a local path, file:// or mlflow-artifacts: (proxied).`,
  );
}

/** A file: URI as a local path; one naming another host or an encoded '/' is refused. */
export function localPathOf(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw invalidParameter(`Artifact URI '${uri}' is not a local file URI: ${(error as Error).message}`);
  }
}
