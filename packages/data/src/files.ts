import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { invalidParameter } from "@gyre/core";

export type DataFormat = "csv" | "parquet" | "json";

/** One file of a dataset, as found on disk. */
export interface DataFile {
  /** Absolute path. */
  path: string;
  /** '/'-separated path relative to the registered path (the file name for a single file). */
  relative: string;
  format: DataFormat;
  size: number;
}

const COMPRESSION = /\.(gz|zst)$/i;
const FORMATS: Record<string, DataFormat> = {
  csv: "csv",
  tsv: "csv",
  parquet: "parquet",
  pq: "parquet",
  json: "json",
  jsonl: "json",
  ndjson: "json",
};
export const SUPPORTED_EXTENSIONS =
  ".csv, .tsv, .parquet, .pq, .json, .jsonl, .ndjson (optionally .gz or .zst)";

/** The format a file name implies, or undefined. */
export function formatOf(fileName: string): DataFormat | undefined {
  const name = fileName.replace(COMPRESSION, "");
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : FORMATS[name.slice(dot + 1).toLowerCase()];
}

/** Hidden files and `_SUCCESS`-style markers that writers leave beside their data. */
function ignored(name: string): boolean {
  return name.startsWith(".") || name.startsWith("_");
}

/**
 * The data files behind a path: the file itself, or every data file under a directory (recursively,
 * sorted by relative path so the listing never depends on the file system's order). A file of an
 * unknown kind inside a directory is an error rather than silently left out of the dataset.
 */
export async function listDataFiles(path: string): Promise<DataFile[]> {
  const root = resolve(path);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw invalidParameter(`Path '${path}' does not exist.`);
  if (info.isFile()) {
    const format = formatOf(basename(root));
    if (!format) {
      throw invalidParameter(
        `'${path}' is not a data file: supported extensions are ${SUPPORTED_EXTENSIONS}.`,
      );
    }
    if (info.size === 0) throw emptyFile(path);
    return [{ path: root, relative: basename(root), format, size: info.size }];
  }
  if (!info.isDirectory()) throw invalidParameter(`'${path}' is neither a file nor a directory.`);
  const files: DataFile[] = [];
  await walk(root, root, files);
  if (files.length === 0)
    throw invalidParameter(`Directory '${path}' holds no data files (${SUPPORTED_EXTENSIONS}).`);
  return files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

async function walk(root: string, dir: string, into: DataFile[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (ignored(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(root, full, into);
      continue;
    }
    if (!entry.isFile()) continue;
    const rel = relative(root, full).split(sep).join("/");
    const format = formatOf(entry.name);
    if (!format)
      throw invalidParameter(
        `'${rel}' is not a data file: supported extensions are ${SUPPORTED_EXTENSIONS}.`,
      );
    const size = (await stat(full)).size;
    if (size === 0) throw emptyFile(rel);
    into.push({ path: full, relative: rel, format, size });
  }
}

/**
 * A 0-byte file has no header, no schema and no rows: DuckDB would read it as one made-up column
 * (`column0`) and, in a directory, add that column to every other file's rows.
 */
function emptyFile(path: string) {
  return invalidParameter(`'${path}' is empty (0 bytes): a data file needs at least a header or a schema.`);
}

/** csv, parquet, json, or mixed when a directory holds several formats. */
export function formatSummary(files: readonly DataFile[]): string {
  const formats = new Set(files.map((f) => f.format));
  return formats.size === 1 ? [...formats][0]! : "mixed";
}
