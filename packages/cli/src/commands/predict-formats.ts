import { extname, resolve } from "node:path";
import { UsageError } from "../usage-error.js";

/**
 * The files `gyre predict` reads and writes, told apart by extension, and the DuckDB SQL for each.
 * No DuckDB import here: the command parses its flags before anything heavy is loaded.
 */
export type DataFormat = "csv" | "parquet" | "jsonl";

export interface DataFile {
  /** Absolute path. */
  readonly path: string;
  readonly format: DataFormat;
}

const FORMATS: Readonly<Record<string, DataFormat>> = {
  ".csv": "csv",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
};

export function dataFile(flag: string, path: string): DataFile {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) {
    throw new UsageError(
      `${flag} must name a .csv, .parquet or .jsonl file (also .pq, .ndjson), got '${path}'`,
    );
  }
  return { path: resolve(path), format };
}

/** A SQL string literal (DuckDB's COPY takes no parameters, so paths are quoted, never spliced). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The table function that reads a file; types are DuckDB's own detection (CSV, JSON) or the file's schema. */
export function readerSql(file: DataFile): string {
  switch (file.format) {
    case "csv":
      return `read_csv(${sqlString(file.path)})`;
    case "parquet":
      return `read_parquet(${sqlString(file.path)})`;
    case "jsonl":
      return `read_json(${sqlString(file.path)}, format = 'newline_delimited')`;
  }
}

/** COPY … TO options per format; JSON is DuckDB's newline-delimited output. */
export function copyOptionsSql(file: DataFile): string {
  switch (file.format) {
    case "csv":
      return "(FORMAT csv, HEADER true)";
    case "parquet":
      return "(FORMAT parquet)";
    case "jsonl":
      return "(FORMAT json)";
  }
}
