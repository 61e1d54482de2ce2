/**
 * Building frames from plain JavaScript arrays (tests, small data, user code). CSV and the data-set
 * loaders build columns directly; everything goes through these constructors' invariants.
 */
import type { CategoricalColumn, Column, Frame, NumericColumn } from "./frame.js";

export type ArrayColumnInput =
  | Float64Array
  | readonly (number | null | undefined)[]
  | readonly (string | null | undefined)[];

export function numericColumn(
  name: string,
  values: Float64Array | readonly (number | null | undefined)[],
): NumericColumn {
  if (values instanceof Float64Array) return { kind: "numeric", name, values };
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] ?? Number.NaN;
  return { kind: "numeric", name, values: out };
}

/** Levels default to the sorted distinct values, so codes agree with the reference `ord` encoding. */
export function categoricalColumn(
  name: string,
  values: readonly (string | null | undefined)[],
  levels?: readonly string[],
): CategoricalColumn {
  const vocabulary = levels ?? sortedDistinct(values);
  const codeOf = new Map(vocabulary.map((level, code) => [level, code]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    const code = codeOf.get(v);
    if (code === undefined) throw new Error(`Column '${name}': value '${v}' is not one of its levels`);
    codes[i] = code;
  }
  return { kind: "categorical", name, codes, levels: vocabulary };
}

export function categoricalFromCodes(
  name: string,
  codes: Int32Array,
  levels: readonly string[],
): CategoricalColumn {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < -1 || c >= levels.length) throw new Error(`Column '${name}': code ${c} at row ${i} has no level`);
  }
  return { kind: "categorical", name, codes, levels };
}

/** Numbers (or null for missing) become numeric columns, strings become categorical ones. */
export function frameFromArrays(columns: Readonly<Record<string, ArrayColumnInput>>): Frame {
  const built: Column[] = [];
  for (const [name, values] of Object.entries(columns)) built.push(columnFromArray(name, values));
  return frameOf(built);
}

/** A frame over existing columns; checks that they all have the same length. */
export function frameOf(columns: readonly Column[], nRows?: number): Frame {
  const n = nRows ?? (columns[0] ? columnLength(columns[0]) : 0);
  const seen = new Set<string>();
  for (const c of columns) {
    if (columnLength(c) !== n)
      throw new Error(`Column '${c.name}' has ${columnLength(c)} rows, expected ${n}`);
    if (seen.has(c.name)) throw new Error(`Duplicate column name '${c.name}'`);
    seen.add(c.name);
  }
  return { nRows: n, columns };
}

export function columnLength(c: Column): number {
  return c.kind === "numeric" ? c.values.length : c.codes.length;
}

function columnFromArray(name: string, values: ArrayColumnInput): Column {
  if (values instanceof Float64Array) return numericColumn(name, values);
  const firstPresent = values.find((v) => v !== null && v !== undefined);
  if (typeof firstPresent === "string") {
    const strings = values as readonly (string | null | undefined)[];
    if (strings.some((v) => typeof v === "number"))
      throw new Error(`Column '${name}' mixes strings and numbers`);
    return categoricalColumn(name, strings);
  }
  const numbers = values as readonly (number | null | undefined)[];
  if (numbers.some((v) => typeof v === "string"))
    throw new Error(`Column '${name}' mixes strings and numbers`);
  return numericColumn(name, numbers);
}

function sortedDistinct(values: readonly (string | null | undefined)[]): string[] {
  const set = new Set<string>();
  for (const v of values) if (v !== null && v !== undefined) set.add(v);
  return [...set].sort(compareCodePoints);
}

/** Code-unit order, as Python's `sorted` on str (not locale order): levels sort the same on both sides. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
