import { type DatasetFile, GyreError, invalidParameter, parseDatasetRef, type SourceDef } from "@gyre/core";
import type { DataFile } from "@gyre/data";
import type { SourceData } from "@gyre/features";
import { requireVersionRow } from "../datasets/reader.js";
import type { FeaturesContext } from "./context.js";

/** `datasets:/name/3`, `name@3`, `name@latest` or `name` (the latest version). */
export function parseDatasetSource(text: string): { name: string; version?: number | "latest" } | undefined {
  const uri = /^datasets:\/([^/]+)(?:\/(\d+|latest))?$/.exec(text);
  if (uri) {
    const version = uri[2] === undefined || uri[2] === "latest" ? uri[2] : Number(uri[2]);
    return parseDatasetRef(version === undefined ? uri[1]! : `${uri[1]}@${version}`);
  }
  return parseDatasetRef(text);
}

/** A registered dataset version's files, verified against their recorded checksums. */
export async function datasetFiles(ctx: FeaturesContext, text: string, field: string): Promise<DataFile[]> {
  const ref = parseDatasetSource(text);
  if (!ref) {
    throw invalidParameter(
      `${field}: '${text}' is not a dataset reference (datasets:/name/3, name@3 or name).`,
    );
  }
  if (!ctx.storage) {
    throw new GyreError(
      "NOT_IMPLEMENTED",
      "Dataset sources need a local artifact destination DuckDB can read.",
    );
  }
  // A definition or request naming a missing dataset is a bad request, named by its field.
  const row = await requireVersionRow(ctx.db, ref).catch((error: unknown) => {
    if (error instanceof GyreError && error.code === "RESOURCE_DOES_NOT_EXIST") {
      throw invalidParameter(`${field}: ${error.message}`);
    }
    throw error;
  });
  return ctx.storage.verifiedFiles(row.name, Number(row.version), JSON.parse(row.files) as DatasetFile[]);
}

/** The files (and query) behind a source, as the server reads them now. */
export async function sourceData(ctx: FeaturesContext, source: SourceDef): Promise<SourceData> {
  const where = `source '${source.name}'`;
  const files =
    source.path !== undefined
      ? await ctx.paths.files(source.path, "path").catch((error: unknown) => {
          if (error instanceof GyreError && error.code === "PERMISSION_DENIED") {
            throw new GyreError(error.code, `${where}: ${error.message}`);
          }
          throw invalidParameter(`${where}: field 'path': ${(error as Error).message}`);
        })
      : await datasetFiles(ctx, source.dataset!, `${where}: field 'dataset'`);
  return { files, sql: source.sql };
}
