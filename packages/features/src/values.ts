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

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
/** Years 1970–9999: the plain four-digit form (others take Date's own, with its sign and six digits). */
const FAST_ISO_END = 253_402_300_800_000;

/**
 * A timestamp feature travels as ISO text; the stores keep epoch milliseconds. Exactly
 * `new Date(ms).toISOString()`, computed with integer arithmetic (the civil-from-days algorithm)
 * because the online path writes one per view per entity row and a Date costs several times more.
 */
export function isoOfMillis(ms: number): string {
  if (!(ms >= 0 && ms < FAST_ISO_END)) return new Date(ms).toISOString();
  const time = Math.floor(ms);
  const days = Math.floor(time / 86_400_000);
  let rest = time - days * 86_400_000;
  // Howard Hinnant's days_from_civil inverse, on days since 1970-01-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${year}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`;
}
