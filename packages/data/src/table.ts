import { invalidParameter } from "@gyre/core";
import { type DataEngine, firstLine } from "./engine.js";
import type { DataFile, DataFormat } from "./files.js";
import { type TableColumn, tableColumn } from "./schema.js";
import { ident, stringList } from "./sql.js";

/** A relation DuckDB can query (a view over files or over a query), with its columns. */
export interface Table {
  readonly engine: DataEngine;
  /** The quoted view name, ready to splice into SQL. */
  readonly relation: string;
  readonly columns: readonly TableColumn[];
}

const READERS: Record<DataFormat, (files: string) => string> = {
  // union_by_name: files of one dataset may order or add columns differently.
  csv: (files) => `read_csv(${files}, union_by_name = true)`,
  parquet: (files) => `read_parquet(${files}, union_by_name = true)`,
  json: (files) => `read_json(${files}, union_by_name = true)`,
};

/** One SELECT over all files: one reader per format, combined by column name. */
export function filesRelation(files: readonly DataFile[]): string {
  const formats: DataFormat[] = ["csv", "parquet", "json"];
  const parts = formats
    .map((format) => files.filter((f) => f.format === format).map((f) => f.path))
    .map((paths, i) =>
      paths.length === 0 ? undefined : `SELECT * FROM ${READERS[formats[i]!](stringList(paths))}`,
    )
    .filter((part): part is string => part !== undefined);
  return parts.join(" UNION ALL BY NAME ");
}

/**
 * Defines view `name` over the files and reads its schema. DuckDB reads nothing yet beyond what
 * type detection needs (a sample of CSV/JSON rows, Parquet footers).
 */
export async function tableOverFiles(
  engine: DataEngine,
  name: string,
  files: readonly DataFile[],
): Promise<Table> {
  return defineView(engine, name, filesRelation(files), "Cannot read the data files");
}

/** Defines view `name` as the user's query over the view `source`. */
export async function tableOverQuery(engine: DataEngine, name: string, sql: string): Promise<Table> {
  await engine.requireSingleSelect(sql);
  return defineView(engine, name, sql, "The SQL failed");
}

async function defineView(engine: DataEngine, name: string, select: string, what: string): Promise<Table> {
  const relation = ident(name);
  try {
    await engine.run(`CREATE OR REPLACE VIEW ${relation} AS ${select}`);
    const described = await engine.all(`DESCRIBE SELECT * FROM ${relation}`);
    const columns = described.map((row) =>
      tableColumn({ name: String(row.column_name), type: String(row.column_type) }),
    );
    return { engine, relation, columns };
  } catch (error) {
    if (error instanceof Error && error.name === "GyreError") throw error;
    throw invalidParameter(`${what}: ${firstLine(error)}`);
  }
}

export function findColumn(table: Table, name: string): TableColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

/**
 * Copies a view over text files (CSV, JSON) into a DuckDB table once, so the several scans of an
 * analysis do not parse the text again each time (3× faster on a 1M-row CSV). DuckDB's buffer
 * manager spills such a table to its temp directory past its memory limit. Parquet is already
 * columnar and is scanned in place.
 */
export async function materializeText(
  table: Table,
  files: readonly DataFile[],
  name: string,
): Promise<Table> {
  if (files.every((f) => f.format === "parquet")) return table;
  const relation = ident(name);
  await table.engine.run(`CREATE TABLE ${relation} AS SELECT * FROM ${table.relation}`);
  return { ...table, relation };
}
