import { DuckDBInstance } from "@duckdb/node-api";
import { GyreError, type monitoring } from "@gyre/sdk";
import { type DataFile, readerSql, sqlIdentifier } from "./predict-formats.js";

/** Labels sent per call. */
export const LABEL_BATCH = 10_000;
const VALUE_COLUMNS = ["value", "label"];

function labelValue(value: unknown, line: number): number | string | boolean {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  throw new GyreError(
    "INVALID_PARAMETER_VALUE",
    `Row ${line}: the label is missing or not a number, string or boolean.`,
  );
}

/**
 * Streams a labels file (CSV, Parquet or JSON lines with columns `request_id`, `value` or
 * `label`, and optionally `row`) through DuckDB in batches, in file order — the order in which
 * the server then applies them (for one request row, the last label wins).
 */
export async function* labelBatches(
  file: DataFile,
  onTotal: (rows: number) => void,
): AsyncGenerator<monitoring.LabelEntry[]> {
  const instance = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    preserve_insertion_order: "true",
  });
  const connection = await instance.connect();
  try {
    const source = readerSql(file);
    const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
      .getRowObjectsJS()
      .map((r) => String(r.column_name));
    if (!columns.includes("request_id"))
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `${file.path} has no 'request_id' column (columns: ${columns.join(", ")}).`,
      );
    const valueColumn = VALUE_COLUMNS.find((c) => columns.includes(c));
    if (!valueColumn)
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `${file.path} has no 'value' or 'label' column (columns: ${columns.join(", ")}).`,
      );
    const row = columns.includes("row") ? `CAST("row" AS INTEGER)` : "0";
    const total = (await connection.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0]?.[0];
    onTotal(Number(total ?? 0));
    const stream = await connection.stream(
      `SELECT CAST(request_id AS VARCHAR) AS request_id, ${row} AS "row", ${sqlIdentifier(valueColumn)} AS value FROM ${source}`,
    );
    let batch: monitoring.LabelEntry[] = [];
    let line = 0;
    for (;;) {
      const chunk = await stream.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const r of chunk.getRowObjects(stream.columnNames())) {
        line++;
        if (typeof r.request_id !== "string" || r.request_id === "")
          throw new GyreError("INVALID_PARAMETER_VALUE", `Row ${line}: request_id is empty.`);
        const index = Number(r.row);
        if (!Number.isInteger(index) || index < 0)
          throw new GyreError("INVALID_PARAMETER_VALUE", `Row ${line}: row must be an integer ≥ 0.`);
        batch.push({ request_id: r.request_id, row: index, value: labelValue(r.value, line) });
        if (batch.length >= LABEL_BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
