import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBType,
  type DuckDBValue,
  FLOAT,
  INTEGER,
  SMALLINT,
  TINYINT,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
} from "@duckdb/node-api";
import { GyreError } from "@gyre/core";
import type { ElementType, OutputTensor, Prediction } from "@gyre/serving";

/**
 * How a model's outputs become columns of the scored file: an output with one value per row is
 * one column named after it; an output with k values per row (class probabilities) is k columns
 * `<name>_0 … <name>_{k-1}`, which every format — CSV included — can hold.
 */
export interface PredictionColumn {
  readonly name: string;
  readonly type: DuckDBType;
  /** The output it comes from, and the element within one row of it. */
  readonly output: number;
  readonly element: number;
  /** Elements per row of that output. */
  readonly width: number;
}

const DUCKDB_TYPES: Readonly<Record<ElementType, DuckDBType>> = {
  float32: FLOAT,
  float64: DOUBLE,
  int8: TINYINT,
  int16: SMALLINT,
  int32: INTEGER,
  int64: BIGINT,
  uint8: UTINYINT,
  uint16: USMALLINT,
  uint32: UINTEGER,
  uint64: UBIGINT,
  bool: BOOLEAN,
  string: VARCHAR,
};

function rowWidth(output: OutputTensor): number {
  return output.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** A name not taken by an input column: outputs never overwrite the data they were scored on. */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}_pred${n === 2 ? "" : n}`;
  taken.add(name.toLowerCase());
  return name;
}

/** The columns the first prediction defines; later batches must keep to them. */
export function predictionColumns(
  prediction: Prediction,
  inputColumns: readonly string[],
): PredictionColumn[] {
  // DuckDB matches column names case-insensitively.
  const taken = new Set(inputColumns.map((c) => c.toLowerCase()));
  return prediction.outputs.flatMap((output, index) => {
    const width = rowWidth(output);
    const names =
      width === 1 ? [output.name] : Array.from({ length: width }, (_, e) => `${output.name}_${e}`);
    return names.map((base, element) => ({
      name: freeName(base, taken),
      type: DUCKDB_TYPES[output.type],
      output: index,
      element,
      width,
    }));
  });
}

/** Checks that a batch's outputs have the layout the columns were made for. */
export function checkLayout(prediction: Prediction, columns: readonly PredictionColumn[]): void {
  for (const column of columns) {
    const output = prediction.outputs[column.output];
    if (!output || rowWidth(output) !== column.width) {
      throw new GyreError(
        "INVALID_STATE",
        `The model's output '${output?.name ?? column.name}' changed shape between batches (${column.width} values per row, now ${output ? rowWidth(output) : "none"}).`,
      );
    }
  }
}

/** One column's values for rows [first, first + count) of a batch, as DuckDB values. */
export function columnValues(
  prediction: Prediction,
  column: PredictionColumn,
  first: number,
  count: number,
): DuckDBValue[] {
  const output = prediction.outputs[column.output]!;
  const values: DuckDBValue[] = new Array(count);
  const bool = output.type === "bool";
  for (let r = 0; r < count; r++) {
    const value = output.data[(first + r) * column.width + column.element]!;
    // ONNX booleans arrive as bytes; every other element type is already a DuckDB value.
    values[r] = bool ? value === 1 : value;
  }
  return values;
}
