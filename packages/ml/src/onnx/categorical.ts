/**
 * Categorical columns inside an exported graph. A categorical column always derives from one string
 * input, and every fitted step that touches it (imputer, one-hot and ordinal encoders) is a function
 * of the raw string alone. So instead of emitting one lookup node per step, the exporter composes
 * those functions at export time and emits a single LabelEncoder where a value is finally needed
 * (one-hot indicators, integer codes, numbers, or strings).
 *
 * The composed function is evaluated on every raw string some step tells apart (`known`), on
 * missing (null), and on one sentinel standing for "any other string": a step compares a value
 * against its own levels only, so all strings outside `known` behave alike.
 */
import { attr, ML_DOMAIN, TENSOR_DATA_TYPES } from "@gyre/onnx";
import type { GraphBuilder } from "./graph-builder.js";

/** A string no data set contains; stands for every raw string outside `known`. */
export const UNKNOWN_STRING = "\u0000gyre:unknown\u0000";

export interface CategoricalValues {
  readonly kind: "categorical";
  /** The graph input holding the raw strings. */
  readonly input: string;
  /** The column's current value for a raw value: a level, or null for missing. */
  readonly valueOf: (raw: string | null) => string | null;
  /** Raw strings some step has compared against; any other string maps like `UNKNOWN_STRING`. */
  readonly known: ReadonlySet<string>;
  /**
   * Set by the one-hot encoder: the vocabulary the column is encoded over. A standalone transformer
   * export then outputs the column as its [N, levels] indicator block, as `expandOneHot` would.
   */
  readonly encodedOver?: readonly string[];
}

export function rawCategorical(input: string): CategoricalValues {
  return { kind: "categorical", input, valueOf: (raw) => raw, known: new Set() };
}

/** Composes one more step: `next` sees the current value; `levels` are the strings it tells apart. */
export function mapCategorical(
  values: CategoricalValues,
  next: (value: string | null) => string | null,
  levels: Iterable<string>,
  encodedOver?: readonly string[],
): CategoricalValues {
  const known = new Set(values.known);
  for (const level of levels) known.add(level);
  const previous = values.valueOf;
  return {
    kind: "categorical",
    input: values.input,
    valueOf: (raw) => next(previous(raw)),
    known,
    ...(encodedOver ? { encodedOver } : {}),
  };
}

/** The LabelEncoder's key list: known strings, then the missing strings that are not levels. */
interface KeyTable {
  readonly keys: string[];
  /** The raw value each key stands for (null: a missing string). */
  readonly raw: (string | null)[];
}

function keyTable(
  values: CategoricalValues,
  missingStrings: readonly string[],
  levels: Iterable<string>,
): KeyTable {
  const known = new Set(values.known);
  for (const level of levels) known.add(level);
  const keys = [...known].sort();
  const raw: (string | null)[] = [...keys];
  for (const m of missingStrings) {
    if (known.has(m)) continue;
    keys.push(m);
    raw.push(null);
  }
  // LabelEncoder needs at least one key; the sentinel maps like any unknown string anyway.
  if (keys.length === 0) {
    keys.push(UNKNOWN_STRING);
    raw.push(UNKNOWN_STRING);
  }
  return { keys, raw };
}

/**
 * int64 [N, 1]: `codeOf(current value)` for every row, with one LabelEncoder on the raw strings.
 * `codeOf` gets null for a missing value; `levels` are the strings it tells apart.
 */
export function categoricalToInt64(
  graph: GraphBuilder,
  values: CategoricalValues,
  missingStrings: readonly string[],
  levels: Iterable<string>,
  codeOf: (value: string | null) => number,
  hint = "codes",
): string {
  const table = keyTable(values, missingStrings, levels);
  return graph.op(
    "LabelEncoder",
    [values.input],
    {
      keys_strings: attr.strings(table.keys),
      values_int64s: attr.ints(table.raw.map((r) => codeOf(values.valueOf(r)))),
      default_int64: attr.int(codeOf(values.valueOf(UNKNOWN_STRING))),
    },
    { domain: ML_DOMAIN, hint },
  );
}

/**
 * double [N, 1]: `numberOf(current value)` for every row. LabelEncoder maps to float only, so it
 * maps to an index into a double table instead, and a Gather reads the exact double.
 */
export function categoricalToDouble(
  graph: GraphBuilder,
  values: CategoricalValues,
  missingStrings: readonly string[],
  levels: Iterable<string>,
  numberOf: (value: string | null) => number,
  hint = "lookup",
): string {
  const table: number[] = [];
  const slot = new Map<string, number>();
  const indexOf = (value: string | null): number => {
    const x = numberOf(value);
    const key = Object.is(x, -0) ? "-0" : String(x);
    let i = slot.get(key);
    if (i === undefined) {
      i = table.length;
      table.push(x);
      slot.set(key, i);
    }
    return i;
  };
  const index = categoricalToInt64(graph, values, missingStrings, levels, indexOf, `${hint}_index`);
  return graph.op("Gather", [graph.double(table, [table.length], `${hint}_table`), index], {}, { hint });
}

/** double [N, levels.length]: 1 where the current value is that level; a row of zeros otherwise. */
export function categoricalToOneHot(
  graph: GraphBuilder,
  values: CategoricalValues,
  missingStrings: readonly string[],
  levels: readonly string[],
): string {
  const position = new Map(levels.map((level, i) => [level, i]));
  const codes = categoricalToInt64(graph, values, missingStrings, levels, (v) =>
    v === null ? -1 : (position.get(v) ?? -1),
  );
  const range = graph.int64(
    levels.map((_, i) => i),
    [levels.length],
    "levels",
  );
  const hit = graph.op("Equal", [codes, range], {}, { hint: "is_level" });
  return graph.op("Cast", [hit], { to: attr.int(TENSOR_DATA_TYPES.double) }, { hint: "one_hot" });
}

/**
 * string [N, 1]: the current value as a string, "" for missing. A raw string outside `known` that
 * every step leaves as it is (an imputer only fills missing values) comes out unchanged, which a
 * LabelEncoder cannot express on its own: a Where picks the raw input for those rows.
 */
export function categoricalToStrings(
  graph: GraphBuilder,
  values: CategoricalValues,
  missingStrings: readonly string[],
): string {
  const table = keyTable(values, missingStrings, []);
  const unknownPassesThrough = values.valueOf(UNKNOWN_STRING) === UNKNOWN_STRING;
  const mapped = graph.op(
    "LabelEncoder",
    [values.input],
    {
      keys_strings: attr.strings(table.keys),
      values_strings: attr.strings(table.raw.map((r) => values.valueOf(r) ?? "")),
      default_string: attr.string(unknownPassesThrough ? "" : (values.valueOf(UNKNOWN_STRING) ?? "")),
    },
    { domain: ML_DOMAIN, hint: "strings" },
  );
  if (!unknownPassesThrough) return mapped;
  const isKey = graph.op(
    "LabelEncoder",
    [values.input],
    {
      keys_strings: attr.strings(table.keys),
      values_int64s: attr.ints(table.keys.map(() => 1)),
      default_int64: attr.int(0),
    },
    { domain: ML_DOMAIN, hint: "is_key" },
  );
  const flag = graph.op("Cast", [isKey], { to: attr.int(TENSOR_DATA_TYPES.bool) }, { hint: "is_key_bool" });
  return graph.op("Where", [flag, mapped, values.input], {}, { hint: "strings" });
}
