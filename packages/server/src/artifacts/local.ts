import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { invalidParameter, notFound } from "@gyre/core";
import type { ArtifactEntry, ArtifactStore } from "./store.js";

/** Artifacts as plain files under a root directory. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  async write(path: string, body: Readable | Uint8Array): Promise<number> {
    const target = join(this.root, path);
    if ((await stat(target).catch(() => undefined))?.isDirectory()) {
      throw invalidParameter(`Cannot write artifact '${path}': a directory of that name exists.`);
    }
    await mkdir(dirname(target), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST" || error.code === "ENOTDIR") {
        throw invalidParameter(`Cannot write artifact '${path}': a parent of it is a file.`);
      }
      throw error;
    });
    // Write beside the target and rename: readers never see a half-written file.
    const temporary = `${target}.${randomUUID()}.partial`;
    try {
      const source = body instanceof Uint8Array ? Readable.from([body]) : body;
      // flush: fsync before close, so an acknowledged upload survives a crash.
      await pipeline(source, createWriteStream(temporary, { flush: true }));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await rename(temporary, target);
    return (await stat(target)).size;
  }

  async read(path: string): Promise<{ stream: Readable; size: number }> {
    const file = join(this.root, path);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw notFound(`No artifact file at '${path}'`);
    return { stream: createReadStream(file), size: info.size };
  }

  async list(dir: string): Promise<ArtifactEntry[]> {
    const folder = join(this.root, dir);
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const listed: ArtifactEntry[] = [];
    for (const entry of entries) {
      if (entry.name.endsWith(".partial")) continue;
      if (entry.isDirectory()) listed.push({ name: entry.name, isDir: true });
      else if (entry.isFile()) {
        listed.push({ name: entry.name, isDir: false, size: (await stat(join(folder, entry.name))).size });
      }
    }
    return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    await rm(join(this.root, path), { recursive: true, force: true });
  }
}
