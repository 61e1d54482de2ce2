/** Typed access to a frame's columns by name, with errors that name the column and its kind. */
import { type CategoricalColumn, column, type Frame, type NumericColumn } from "./frame.js";

export function numericColumnOf(frame: Frame, name: string): NumericColumn {
  const c = column(frame, name);
  if (c.kind !== "numeric") throw new Error(`Column '${name}' is categorical, expected numeric`);
  return c;
}

export function categoricalColumnOf(frame: Frame, name: string): CategoricalColumn {
  const c = column(frame, name);
  if (c.kind !== "categorical") throw new Error(`Column '${name}' is numeric, expected categorical`);
  return c;
}

/** For each code of `from`, the code of the same level in `to` (-1 when `to` lacks it). */
export function levelMapping(from: readonly string[], to: readonly string[]): Int32Array {
  const target = new Map(to.map((level, code) => [level, code]));
  return Int32Array.from(from, (level) => target.get(level) ?? -1);
}

export function sameLevels(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((level, i) => level === b[i]));
}
