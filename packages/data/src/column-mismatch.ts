import type { DataEngine } from "./engine.js";
import type { DataFile } from "./files.js";
import { filesRelation } from "./table.js";

/**
 * Past this many files the check is skipped: reading each CSV's header costs a sniff, and large
 * partitioned datasets are written by one program with one schema.
 */
export const MISMATCH_CHECK_MAX_FILES = 256;
const COLUMNS_NAMED = 3;
const FILES_NAMED = 2;

const list = (names: readonly string[], most: number, what: string) =>
  names.length <= most
    ? names.join(", ")
    : `${names.slice(0, most).join(", ")} and ${names.length - most} more ${what}`;

/**
 * A warning when the files of one dataset do not all have the same columns: DuckDB combines them
 * by name (`union_by_name`), so a file without a column contributes NULLs to it — what a
 * partition that gained a column needs, and what two unrelated files put in one directory get
 * silently. Undefined when every file has every column (or there is one file, or too many).
 */
export async function columnMismatch(
  engine: DataEngine,
  files: readonly DataFile[],
): Promise<string | undefined> {
  if (files.length < 2 || files.length > MISMATCH_CHECK_MAX_FILES) return undefined;
  const columnsOf = new Map<DataFile, Set<string>>();
  for (const file of files) {
    const described = await engine.all(`DESCRIBE ${filesRelation([file])}`);
    columnsOf.set(file, new Set(described.map((row) => String(row.column_name))));
  }
  const all = new Set([...columnsOf.values()].flatMap((columns) => [...columns]));
  const gaps: string[] = [];
  for (const column of all) {
    const lacking = files.filter((f) => !columnsOf.get(f)!.has(column)).map((f) => f.relative);
    if (lacking.length > 0) gaps.push(`'${column}' is missing from ${list(lacking, FILES_NAMED, "files")}`);
  }
  if (gaps.length === 0) return undefined;
  return (
    `The ${files.length} files do not all have the same columns; they were combined by column name, ` +
    `with NULL where a file lacks one: ${list(gaps, COLUMNS_NAMED, "columns")}.`
  );
}
