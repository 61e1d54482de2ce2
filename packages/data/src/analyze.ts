import { dirname } from "node:path";
import type { DatasetColumn, DatasetProfile } from "@gyre/core";
import { columnMismatch } from "./column-mismatch.js";
import { contentDigest } from "./digest.js";
import { withEngine } from "./engine.js";
import type { DataFile } from "./files.js";
import { profileTable } from "./profile.js";
import { stringLiteral } from "./sql.js";
import { materializeText, tableOverFiles, tableOverQuery } from "./table.js";

/** Everything Gyre records about a dataset's content. */
export interface DatasetAnalysis {
  schema: DatasetColumn[];
  rows: number;
  digest: string;
  profile: DatasetProfile;
  /** What the registrant should know about the content (files combined despite differing columns). */
  warnings: string[];
}

export type AnalysisPhase = "schema" | "digest" | "profile";

export interface AnalyzeOptions {
  /** Called as each phase starts (registrations of large files take seconds). */
  onPhase?: (phase: AnalysisPhase) => void;
}

/** The directories DuckDB must reach for these files, and nothing else. */
export function directoriesOf(paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => dirname(p)))];
}

/** Schema, row count, content digest and column profile of the files, computed by DuckDB. */
export async function analyzeFiles(
  files: readonly DataFile[],
  options: AnalyzeOptions = {},
): Promise<DatasetAnalysis> {
  return withEngine({ allowedDirectories: directoriesOf(files.map((f) => f.path)) }, async (engine) => {
    options.onPhase?.("schema");
    const mismatch = await columnMismatch(engine, files);
    const table = await materializeText(await tableOverFiles(engine, "files", files), files, "dataset");
    options.onPhase?.("digest");
    const { digest, rows } = await contentDigest(table);
    options.onPhase?.("profile");
    const profile = await profileTable(table, rows);
    return {
      schema: table.columns.map(({ name, type }) => ({ name, type })),
      rows,
      digest,
      profile,
      warnings: mismatch === undefined ? [] : [mismatch],
    };
  });
}

/**
 * Runs a user's SELECT over the files (exposed as the view `source`) and writes its result to
 * `outFile` as Parquet: the query's result, not the files, is then the dataset. DuckDB may touch
 * only the files' directories and the output's directory.
 */
export async function materializeQuery(
  files: readonly DataFile[],
  sql: string,
  outFile: string,
): Promise<void> {
  const allowed = directoriesOf([...files.map((f) => f.path), outFile]);
  await withEngine({ allowedDirectories: allowed }, async (engine) => {
    await tableOverFiles(engine, "source", files);
    const table = await tableOverQuery(engine, "dataset", sql);
    await engine.run(`COPY (SELECT * FROM ${table.relation}) TO ${stringLiteral(outFile)} (FORMAT parquet)`);
  });
}
