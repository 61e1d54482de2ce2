import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import {
  DATASET_UPLOAD_ROOT,
  type DatasetProfile,
  type DatasetVersion,
  datasets,
  type ExpectationSuite,
  type ValidationRecord,
} from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { proxyUrlPath } from "./artifact-paths.js";
import { collectPages } from "./batching.js";
import type { GyreClient } from "./client.js";
import { listFilesRecursively } from "./local-files.js";
import type { DatasetDescription } from "./run.js";

/**
 * A registered dataset version. Besides the server's record (`info`) it carries MLflow's dataset
 * fields, so `run.logInput(dataset, { context: "training" })` records it as an MLflow dataset
 * input: source type `gyre`, a source naming its `datasets:/name/version` URI, an MLflow column
 * schema and profile. MLflow clients then show the same inputs, and a model version's run leads
 * back to the exact data by digest and URI.
 */
export interface Dataset extends DatasetDescription {
  readonly name: string;
  readonly version: number;
  readonly digest: string;
  /** `datasets:/name/3` */
  readonly uri: string;
  readonly sourceType: "gyre";
  /** JSON `{"uri": "datasets:/name/3"}`. */
  readonly source: string;
  /** MLflow's schema JSON: `{"mlflow_colspec": [{"type": "double", "name": "x"}, …]}`. */
  readonly schema: string;
  /** MLflow's profile JSON: `{"num_rows": …, "num_elements": …}`. */
  readonly profile: string;
  /** The server's record of the version. */
  readonly info: DatasetVersion;
}

/** DuckDB types as MLflow's column types (MLflow has no unsigned, decimal or nested types). */
function mlflowType(duckdbType: string): string {
  const t = duckdbType.toUpperCase();
  if (t === "BIGINT" || t === "HUGEINT" || t === "UBIGINT" || t === "UINTEGER") return "long";
  if (t === "INTEGER" || t === "SMALLINT" || t === "TINYINT" || t === "USMALLINT" || t === "UTINYINT")
    return "integer";
  if (t === "DOUBLE" || t.startsWith("DECIMAL")) return "double";
  if (t === "FLOAT") return "float";
  if (t === "BOOLEAN") return "boolean";
  if (t === "DATE" || t.startsWith("TIMESTAMP")) return "datetime";
  if (t === "BLOB") return "binary";
  return "string";
}

export function datasetOf(info: DatasetVersion): Dataset {
  return {
    name: info.name,
    version: info.version,
    digest: info.digest,
    uri: info.uri,
    sourceType: "gyre",
    source: JSON.stringify({ uri: info.uri }),
    schema: JSON.stringify({
      mlflow_colspec: info.schema.map((c) => ({ type: mlflowType(c.type), name: c.name })),
    }),
    profile: JSON.stringify({ num_rows: info.rows, num_elements: info.rows * info.schema.length }),
    info,
  };
}

export type DatasetProgress =
  | { phase: "upload"; file: string; fileIndex: number; fileCount: number; bytes: number; totalBytes: number }
  | { phase: "register" };

export interface RegisterDatasetOptions {
  name: string;
  /** A SELECT over the files, exposed as the view `source`; its result becomes the version. */
  sql?: string;
  description?: string;
  /**
   * `upload` (default) sends the files through the artifact proxy, which works with any server;
   * `path` lets the server read them where they are, for a server on the same machine (no copy
   * over the wire).
   */
  transfer?: "upload" | "path";
  onProgress?: (progress: DatasetProgress) => void;
}

/** Registers a file or directory (CSV, Parquet, JSON lines); identical content returns the existing version. */
export async function registerDataset(
  client: GyreClient,
  path: string,
  options: RegisterDatasetOptions,
): Promise<{ dataset: Dataset; created: boolean; warnings: string[] }> {
  const absolute = resolve(path);
  const common = { name: options.name, sql: options.sql, description: options.description };
  let request: Parameters<typeof client.call<typeof datasets.registerDataset>>[1];
  if (options.transfer === "path") {
    request = { ...common, path: absolute };
  } else {
    request = { ...common, upload_id: await uploadFiles(client, absolute, options.onProgress) };
  }
  options.onProgress?.({ phase: "register" });
  const { dataset_version, created, warnings } = await client.call(datasets.registerDataset, request);
  return { dataset: datasetOf(dataset_version), created, warnings: warnings ?? [] };
}

/** The files of a path: the file itself, or every visible file under the directory. */
async function localFiles(path: string): Promise<{ path: string; relative: string; size: number }[]> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return [{ path, relative: basename(path), size: info.size }];
  if (!info?.isDirectory()) throw new GyreError("INVALID_PARAMETER_VALUE", `Path '${path}' does not exist.`);
  const hidden = (rel: string) => rel.split("/").some((part) => part.startsWith(".") || part.startsWith("_"));
  const files = [];
  for (const relative of (await listFilesRecursively(path)).filter((rel) => !hidden(rel))) {
    const full = resolve(path, relative);
    files.push({ path: full, relative, size: (await stat(full)).size });
  }
  return files;
}

/** Streams each file to `datasets/_uploads/<id>/`, reporting bytes as they go. */
async function uploadFiles(
  client: GyreClient,
  path: string,
  onProgress: RegisterDatasetOptions["onProgress"],
): Promise<string> {
  const files = await localFiles(path);
  const uploadId = randomUUID();
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  let sent = 0;
  for (const [fileIndex, file] of files.entries()) {
    const before = sent;
    const response = await client.send({
      method: "PUT",
      path: proxyUrlPath(`${DATASET_UPLOAD_ROOT}/${uploadId}`, file.relative),
      headers: { "content-type": "application/octet-stream" },
      stream: () => {
        // A retried attempt starts the file again, and so does its count.
        sent = before;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            sent += chunk.length;
            onProgress?.({
              phase: "upload",
              file: file.relative,
              fileIndex,
              fileCount: files.length,
              bytes: sent,
              totalBytes,
            });
            done(null, chunk);
          },
        });
        return Readable.toWeb(createReadStream(file.path).pipe(counter)) as ReadableStream<Uint8Array>;
      },
    });
    await response.body?.cancel();
  }
  return uploadId;
}

/** `name`, `name@3` or `name@latest`. */
export async function getDataset(client: GyreClient, ref: string): Promise<Dataset> {
  return datasetOf((await client.call(datasets.getDataset, { name: ref })).dataset_version);
}

/** Every dataset with its latest version. */
export async function listDatasets(client: GyreClient): Promise<Dataset[]> {
  const all = await collectPages(async (pageToken) => {
    const page = await client.call(datasets.listDatasets, { page_token: pageToken, max_results: 1000 });
    return { items: page.datasets, next: page.next_page_token };
  });
  return all.map(datasetOf);
}

/** Every version of one dataset, newest first. */
export async function listDatasetVersions(client: GyreClient, name: string): Promise<Dataset[]> {
  const all = await collectPages(async (pageToken) => {
    const page = await client.call(datasets.listDatasetVersions, {
      name,
      page_token: pageToken,
      max_results: 1000,
    });
    return { items: page.dataset_versions, next: page.next_page_token };
  });
  return all.map(datasetOf);
}

export async function getDatasetProfile(
  client: GyreClient,
  ref: string,
): Promise<{ name: string; version: number; profile: DatasetProfile }> {
  return client.call(datasets.getDatasetProfile, { name: ref });
}

/** Evaluates the suite on the server, which stores the result; `reference` serves no_drift expectations. */
export async function validateDataset(
  client: GyreClient,
  ref: string,
  suite: ExpectationSuite,
  options: { reference?: string } = {},
): Promise<ValidationRecord> {
  const { validation } = await client.call(datasets.validateDataset, {
    name: ref,
    suite,
    reference: options.reference,
  });
  return validation;
}

/**
 * Stored validation results, newest first: of every version for `name`, of one for `name@3` or
 * `name@latest`; `suite` keeps one suite's.
 */
export async function listDatasetResults(
  client: GyreClient,
  ref: string,
  options: { suite?: string } = {},
): Promise<ValidationRecord[]> {
  return collectPages(async (pageToken) => {
    const page = await client.call(datasets.listDatasetResults, {
      name: ref,
      suite: options.suite,
      page_token: pageToken,
      max_results: 1000,
    });
    return { items: page.validations, next: page.next_page_token };
  });
}
