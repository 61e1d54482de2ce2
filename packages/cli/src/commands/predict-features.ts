import {
  type DuckDBDataChunk,
  type DuckDBType,
  DuckDBTypeId,
  JSDuckDBValueConverter,
} from "@duckdb/node-api";
import { GyreError } from "@gyre/core";
import type { ElementType, InputSchema } from "@gyre/serving";

/** The input columns that feed the model: names, positions in the input, and DuckDB types. */
export interface FeatureColumns {
  readonly names: readonly string[];
  readonly indexes: readonly number[];
  /** Per feature, whether DuckDB's vectors hand out plain JS values (no conversion needed). */
  readonly primitive: readonly boolean[];
  /**
   * Features DuckDB read as text although the model takes numbers or booleans, with the SQL type
   * a value must cast to: DuckDB reads a CSV column as text when any value in it is no number.
   */
  readonly textual: readonly { name: string; expected: string; cast: string }[];
}

function invalid(message: string): GyreError {
  return new GyreError("INVALID_PARAMETER_VALUE", message);
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 12).join(", ");
  return names.length > 12 ? `${shown}, … (${names.length})` : shown;
}

/**
 * Types whose vectors return what the runtime takes as is (numbers, bigints, booleans, strings);
 * others (DECIMAL, dates, …) go through DuckDB's JS converter, a good deal slower.
 */
const PRIMITIVE_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.VARCHAR,
]);

/**
 * A column signature takes its columns by name (other input columns only pass through to the
 * output); a lone [-1, k] tensor takes all k input columns in order, as MLflow feeds a DataFrame
 * to such a model. Anything else has no table form.
 */
export function featureColumns(
  schema: InputSchema,
  inputColumns: readonly string[],
  inputTypes: readonly DuckDBType[],
  input: string,
): FeatureColumns {
  let indexes: number[];
  if (schema.kind === "columns") {
    indexes = schema.fields.map((field) => {
      const index = inputColumns.indexOf(field.name);
      if (index < 0) {
        throw invalid(
          `Missing column '${field.name}' (expected ${field.typeName}) in ${input}; its columns are ${listed(inputColumns)}.`,
        );
      }
      return index;
    });
  } else {
    const single = schema.fields.length === 1 ? schema.fields[0] : undefined;
    if (single?.rowShape.length !== 1) {
      throw invalid(
        `This model takes tensor inputs (${schema.fields.map((f) => `${f.name}: ${f.typeName} [-1, ${f.rowShape.join(", ")}]`).join("; ")}); batch scoring reads tables, so it needs a column signature or a single [-1, k] tensor input.`,
      );
    }
    indexes = inputColumns.map((_, i) => i);
  }
  const textual = indexes.flatMap((index, f) => {
    const field = schema.kind === "columns" ? schema.fields[f]! : schema.fields[0]!;
    const cast = SQL_CASTS[field.type];
    if (inputTypes[index]!.typeId !== DuckDBTypeId.VARCHAR || cast === undefined) return [];
    return [{ name: inputColumns[index]!, expected: field.typeName, cast }];
  });
  return {
    names: indexes.map((i) => inputColumns[i]!),
    indexes,
    primitive: indexes.map((i) => PRIMITIVE_TYPES.has(inputTypes[i]!.typeId)),
    textual,
  };
}

/** The SQL type a text value must cast to for each non-text element type. */
const SQL_CASTS: Readonly<Partial<Record<ElementType, string>>> = {
  float32: "DOUBLE",
  float64: "DOUBLE",
  int8: "BIGINT",
  int16: "BIGINT",
  int32: "BIGINT",
  int64: "BIGINT",
  uint8: "UBIGINT",
  uint16: "UBIGINT",
  uint32: "UBIGINT",
  uint64: "UBIGINT",
  bool: "BOOLEAN",
};

/** The feature columns of a batch of input chunks, as JS values (null where the input has none). */
export function featureValues(
  chunks: readonly DuckDBDataChunk[],
  features: FeatureColumns,
): Record<string, unknown[]> {
  const sizes = chunks.map((chunk) => chunk.rowCount);
  const rows = sizes.reduce((sum, size) => sum + size, 0);
  const columns: Record<string, unknown[]> = {};
  features.names.forEach((name, f) => {
    const index = features.indexes[f]!;
    const values = new Array<unknown>(rows);
    let row = 0;
    for (const chunk of chunks) {
      if (features.primitive[f]) {
        const vector = chunk.getColumnVector(index);
        // itemCount is a plain field; chunk.rowCount asks the native side on every call.
        const count = vector.itemCount;
        for (let i = 0; i < count; i++) values[row++] = vector.getItem(i);
      } else {
        for (const value of chunk.convertColumnValues(index, JSDuckDBValueConverter)) values[row++] = value;
      }
    }
    columns[name] = values;
  });
  return columns;
}
