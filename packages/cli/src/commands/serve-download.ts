import { randomBytes } from "node:crypto";
import { cp, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GyreError } from "@gyre/core";
import { downloadModel } from "@gyre/sdk";
import type { RegistryConnection } from "./serve-registry.js";
import type { ResolvedModel } from "./serve-source.js";

const SCHEME = /^([a-zA-Z][\w+.-]*):/;

/** The store-relative path of a `mlflow-artifacts:` URI (authority and leading slashes dropped). */
function proxiedPath(uri: string): string {
  return uri
    .replace(/^mlflow-artifacts:(\/\/[^/]*)?/i, "")
    .replace(/^\/+|\/+$/g, "")
    .split(/[?#]/)[0]!;
}

async function copyLocal(from: string, to: string): Promise<void> {
  const info = await stat(from).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new GyreError("RESOURCE_DOES_NOT_EXIST", `There is no model directory at ${from}.`);
  }
  await cp(from, to, { recursive: true });
}

/**
 * Fetches the files a download URI names into `to`: from the embedded store's directory when the
 * registry is in-process, through the artifact proxy's listing when it is a remote server, or
 * from a local path (a `file:` URI, or a server on this machine whose experiment stores locally).
 */
export async function fetchModelFiles(
  connection: RegistryConnection,
  uri: string,
  to: string,
): Promise<void> {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "mlflow-artifacts") {
    const relative = proxiedPath(uri);
    if (connection.artifactsDir) return copyLocal(path.join(connection.artifactsDir, relative), to);
    // The SDK's download (the one `gyre predict` and `gyre.downloadModel` use) walks the proxy.
    await downloadModel(connection.client, `mlflow-artifacts:/${relative}`, to);
    return;
  }
  if (scheme === "file")
    return copyLocal(fileURLToPath(uri.replace(/^file:\/\/(localhost)?\//i, "file:///")), to);
  if (scheme === undefined || scheme.length === 1) return copyLocal(path.resolve(uri), to);
  throw new GyreError("NOT_IMPLEMENTED", `Cannot download model files from '${uri}' (scheme ${scheme}:).`);
}

/**
 * Downloaded models under GYRE_HOME, keyed by name and version (or run and path). Registered
 * versions are immutable, so a cached directory is reused as is; it is filled in a temporary
 * sibling and renamed into place, so a half-downloaded model is never served.
 */
export class ModelCache {
  constructor(readonly root: string) {}

  /** The model's local directory: served in place, cached, or downloaded now. */
  async directoryOf(model: ResolvedModel, connection: RegistryConnection | undefined): Promise<string> {
    if (model.dir) return model.dir;
    if (!model.downloadUri || !connection) {
      throw new GyreError("INVALID_STATE", `Model ${model.name} has no location to download from.`);
    }
    const dir = path.join(this.root, ...model.cacheKey.map((part) => encodeURIComponent(part)));
    if (await stat(dir).catch(() => undefined)) return dir;
    const partial = `${dir}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await mkdir(path.dirname(dir), { recursive: true });
      await fetchModelFiles(connection, model.downloadUri, partial);
      await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
        // Another process filled the same version first: its copy is as good as ours.
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    return dir;
  }
}
