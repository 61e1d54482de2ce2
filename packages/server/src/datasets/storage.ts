import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { DATASET_UPLOAD_ROOT, type DatasetFile, GyreError, invalidParameter } from "@gyre/core";
import { type DataFile, formatOf } from "@gyre/data";
import { localPathOf } from "../artifacts/store.js";

const DATASETS = "datasets";
const STAGING = "datasets/_staging";

/**
 * The local directory behind an artifact destination (a path or a file:// URI), or undefined
 * for a remote store: DuckDB reads dataset files in place, so datasets need a local one.
 */
export function localArtifactRoot(destination: string): string | undefined {
  if (destination.startsWith("file:")) return localPathOf(destination);
  if (/^[a-zA-Z][\w+.-]*:\/\//.test(destination)) return undefined;
  return resolve(destination);
}

/** A version being prepared: its files are written under `dataDir` before it gets a number. */
export interface Staging {
  readonly root: string;
  /** Where the version's own files go (moved to datasets/<name>/<version>/ on commit). */
  readonly dataDir: string;
  /** Where uploaded source files are moved while a query reads them. */
  readonly inputDir: string;
}

/**
 * Dataset files in the artifact destination: `datasets/<name>/<version>/` holds a version's files,
 * copied there at registration so a version never changes when the user's files do;
 * `datasets/_uploads/<id>/` receives files through the artifact proxy; `datasets/_staging/` holds
 * versions being prepared. Every file is written with fsync and recorded with its SHA-256, which
 * validation re-checks.
 */
export class DatasetStorage {
  constructor(private readonly root: string) {}

  /** `mlflow-artifacts:/datasets/<name>/<version>`: downloadable through the artifact proxy. */
  location(name: string, version: number): string {
    return `mlflow-artifacts:/${DATASETS}/${name}/${version}`;
  }

  versionDir(name: string, version: number): string {
    return join(this.root, DATASETS, name, String(version));
  }

  /** The whole datasets tree: what DuckDB may read while validating. */
  get datasetsDir(): string {
    return join(this.root, DATASETS);
  }

  async newStaging(): Promise<Staging> {
    const root = join(this.root, STAGING, randomUUID());
    const staging = { root, dataDir: join(root, "data"), inputDir: join(root, "input") };
    await mkdir(staging.dataDir, { recursive: true });
    return staging;
  }

  async discard(staging: Staging): Promise<void> {
    await rm(staging.root, { recursive: true, force: true });
  }

  /** Takes the files uploaded under `uploadId` into the staging area (one rename, no copy). */
  async takeUpload(uploadId: string, staging: Staging): Promise<string> {
    const upload = join(this.root, DATASET_UPLOAD_ROOT, uploadId);
    if (!(await stat(upload).catch(() => undefined))?.isDirectory()) {
      throw invalidParameter(
        `No files were uploaded under upload_id '${uploadId}' (${DATASET_UPLOAD_ROOT}/${uploadId}/).`,
      );
    }
    await rename(upload, staging.inputDir);
    return staging.inputDir;
  }

  /** Copies the user's files into the staging area, keeping their relative layout. */
  async copyIn(files: readonly DataFile[], staging: Staging): Promise<void> {
    for (const file of files) {
      const target = join(staging.dataDir, file.relative);
      await mkdir(dirname(target), { recursive: true });
      // flush: fsync before close, as the artifact store writes.
      await pipeline(createReadStream(file.path), createWriteStream(target, { flush: true }));
    }
  }

  /** Moves already-staged input files (an upload) to be the version's own files. */
  async adoptInput(staging: Staging): Promise<void> {
    await rm(staging.dataDir, { recursive: true, force: true });
    await rename(staging.inputDir, staging.dataDir);
  }

  /**
   * Moves the staged files to `datasets/<name>/<version>/`. Called inside the transaction that
   * inserts the version row: a directory left there by a transaction that did not commit has no
   * row, and the number is free again, so it is replaced.
   */
  async commit(staging: Staging, name: string, version: number): Promise<void> {
    const target = this.versionDir(name, version);
    await rm(target, { recursive: true, force: true });
    await mkdir(dirname(target), { recursive: true });
    await rename(staging.dataDir, target);
  }

  /** Each file's path (relative to the version), size and SHA-256. */
  async describe(dataFiles: readonly DataFile[]): Promise<DatasetFile[]> {
    const described: DatasetFile[] = [];
    for (const file of dataFiles) {
      described.push({ path: file.relative, size: file.size, sha256: await sha256Of(file.path) });
    }
    return described;
  }

  /**
   * A version's files as @gyre/data reads them, after checking each against its recorded size
   * and SHA-256: the artifact proxy can write anywhere in the destination, and a version whose
   * bytes changed must not be validated as if it were the registered one.
   */
  async verifiedFiles(name: string, version: number, files: readonly DatasetFile[]): Promise<DataFile[]> {
    const dir = this.versionDir(name, version);
    const out: DataFile[] = [];
    for (const file of files) {
      const path = join(dir, file.path);
      const format = formatOf(file.path);
      const info = await stat(path).catch(() => undefined);
      const intact =
        format && info?.isFile() && info.size === file.size && (await sha256Of(path)) === file.sha256;
      if (!intact || !format) {
        throw new GyreError(
          "INVALID_STATE",
          `The files of dataset ${name}@${version} changed after registration (${file.path}); register the data again.`,
        );
      }
      out.push({ path, relative: file.path, format, size: file.size });
    }
    return out;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
