import type { FeatureValue, features } from "@gyre/core";

type ValueType = features.ValueType;
type KeyType = features.KeyType;

/** The DuckDB type each feature type is cast to, offline and before materialization. */
export const DUCKDB_TYPE: Record<ValueType, string> = {
  int32: "INTEGER",
  int64: "BIGINT",
  float32: "FLOAT",
  float64: "DOUBLE",
  string: "VARCHAR",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

/** Source column types (DuckDB family names from @gyre/data) a feature or key type accepts. */
export const ACCEPTED_FAMILIES: Record<ValueType, readonly string[]> = {
  int32: ["integer"],
  int64: ["integer"],
  float32: ["float", "integer"],
  float64: ["float", "integer"],
  string: ["string"],
  bool: ["boolean"],
  timestamp: ["timestamp", "date"],
};

/** A key value of an entity row, as given (JSON) or read (DuckDB gives BIGINT as bigint). */
export type KeyValue = string | number | bigint;

/**
 * One entity's key as text: integers in decimal, strings JSON-quoted, joined by ','. Quoting makes
 * the encoding injective — ("1","23") and ("12","3") differ, as do 1 and "1" — so composite keys
 * never collide (Feast's separator-less row id does).
 */
export function encodeKey(values: readonly KeyValue[]): string {
  let text = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) text += ",";
    text += typeof v === "string" ? JSON.stringify(v) : String(v);
  }
  return text;
}

/** Whether a JSON value may stand for a key of this type (integers exactly, strings as strings). */
export function keyMatches(type: KeyType, value: unknown): value is KeyValue {
  if (type === "string") return typeof value === "string";
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && (type === "int64" || (value >= -2147483648 && value <= 2147483647));
  }
  return typeof value === "bigint";
}

export const KEY_RULE: Record<KeyType, string> = {
  int32: "must be a 32-bit integer",
  int64: "must be an integer (a JSON number)",
  string: "must be a string",
};

/** A value read from DuckDB as JSON: bigint as number (exact up to 2^53), timestamps as ISO text. */
export function jsonValue(value: unknown): FeatureValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  return String(value);
}

/** A timestamp feature travels as ISO text; the stores keep epoch milliseconds. */
export function isoOfMillis(ms: number): string {
  return new Date(ms).toISOString();
}
