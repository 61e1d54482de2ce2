import { resolve } from "node:path";
import type { Readable } from "node:stream";
import type { tracking } from "@gyre/core";
import { nonEmpty, type Req, type Res, requireRunId, type TrackingContext } from "../tracking/context.js";
import { runArtifactUri } from "../tracking/runs.js";
import { LocalArtifactStore } from "./local.js";
import {
  type ArtifactStore,
  localPathOf,
  safeArtifactFilePath,
  safeArtifactPath,
  unsupportedArtifactUri,
} from "./store.js";

const PROXY_SCHEME = "mlflow-artifacts:";

/** Opens the store behind an artifact destination given as a local path or file:// URI. */
export function openArtifactStore(uri: string): ArtifactStore {
  if (uri.startsWith("file:")) return new LocalArtifactStore(localPathOf(uri));
  if (/^[a-zA-Z][\w+.-]*:\/\//.test(uri)) throw unsupportedArtifactUri(uri);
  return new LocalArtifactStore(resolve(uri));
}

function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}

/**
 * Artifact I/O for runs and for MLflow's artifact proxy. Proxied URIs
 * (`mlflow-artifacts:/<experiment>/<run>/artifacts`) live in the server's destination store;
 * a run whose experiment points at a local directory is served from there.
 */
export class ArtifactService {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly destination: ArtifactStore,
  ) {}

  async listArtifacts(req: Req<"listArtifacts">): Promise<Res<"listArtifacts">> {
    const runId = requireRunId(req);
    const artifactUri = await runArtifactUri(this.ctx.db, runId);
    const dir = safeArtifactPath(req.path);
    const { store, base } = this.locate(artifactUri);
    const entries = await store.list(joinPath(base, dir));
    const files: tracking.FileInfo[] = entries.map((e) => ({
      path: joinPath(dir, e.name),
      is_dir: e.isDir,
      file_size: e.size,
    }));
    return { root_uri: artifactUri, files: nonEmpty(files) };
  }

  async list(path: string | undefined): Promise<{ files?: tracking.FileInfo[] }> {
    const entries = await this.destination.list(safeArtifactPath(path));
    return {
      files: nonEmpty(entries.map((e) => ({ path: e.name, is_dir: e.isDir, file_size: e.size }))),
    };
  }

  upload(path: string, body: Readable | Uint8Array): Promise<number> {
    return this.destination.write(safeArtifactFilePath(path), body);
  }

  download(path: string): Promise<{ stream: Readable; size: number }> {
    return this.destination.read(safeArtifactFilePath(path));
  }

  async delete(path: string): Promise<void> {
    await this.destination.delete(safeArtifactFilePath(path));
  }

  /**
   * The store and base path behind an artifact URI: proxied URIs live in the destination store,
   * file: URIs and plain paths in a local store; other schemes are NOT_IMPLEMENTED.
   */
  locate(uri: string): { store: ArtifactStore; base: string } {
    if (uri.startsWith(PROXY_SCHEME)) {
      // mlflow-artifacts:/1/<run>/artifacts, or with an authority: mlflow-artifacts://host:port/1/...
      const path = uri
        .slice(PROXY_SCHEME.length)
        .replace(/^\/\/[^/]*/, "")
        .replace(/^\/+/, "");
      return { store: this.destination, base: safeArtifactPath(path) };
    }
    return { store: openArtifactStore(uri), base: "" };
  }
}
