import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { GyreError } from "@gyre/core";
import type { ArtifactService } from "../artifacts/service.js";
import type { ArtifactStore } from "../artifacts/store.js";

/**
 * Local copies of model versions for the serving engine, read straight from the server's own
 * artifact store (no HTTP round trip through the artifact proxy). onnxruntime needs files on
 * disk, and the store may one day be remote (s3://), so versions are copied into a cache rather
 * than served in place. Registered versions never change: a cached copy is reused as is.
 */
export class ModelFiles {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly artifacts: ArtifactService,
    private readonly cacheDir: string,
  ) {}

  /** The local directory holding the model at `location` (a registry storage location). */
  directoryOf(location: string): Promise<string> {
    // One copy per location even when two deployments load the same version at once.
    let found = this.pending.get(location);
    if (!found) {
      found = this.materialise(location).finally(() => this.pending.delete(location));
      this.pending.set(location, found);
    }
    return found;
  }

  private async materialise(location: string): Promise<string> {
    const key = createHash("sha256").update(location).digest("hex").slice(0, 32);
    const dir = path.join(this.cacheDir, key);
    if (await stat(dir).catch(() => undefined)) return dir;
    const { store, base } = this.artifacts.locate(location);
    // Filled beside the target and renamed: a half-copied model is never loaded.
    const partial = `${dir}.partial-${randomBytes(4).toString("hex")}`;
    try {
      const files = await copyTree(store, base, partial);
      if (files === 0) throw new GyreError("RESOURCE_DOES_NOT_EXIST", `No model files at ${location}.`);
      await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
        // Another server process sharing the cache copied it first: its copy is as good.
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    return dir;
  }
}

async function copyTree(store: ArtifactStore, from: string, to: string): Promise<number> {
  await mkdir(to, { recursive: true });
  let count = 0;
  for (const entry of await store.list(from)) {
    const source = from === "" ? entry.name : `${from}/${entry.name}`;
    const target = path.join(to, entry.name);
    if (entry.isDir) {
      count += await copyTree(store, source, target);
      continue;
    }
    const { stream } = await store.read(source);
    await pipeline(stream, createWriteStream(target));
    count++;
  }
  return count;
}
