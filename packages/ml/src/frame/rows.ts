/** Row and column selection on frames. Row selection gathers typed arrays; nothing is boxed per row. */
import type { Column, Frame } from "./frame.js";

/** Row positions into a frame; splits produce Uint32Array. */
export type RowIndices = Uint32Array | Int32Array;

export function takeRows(frame: Frame, rows: RowIndices): Frame {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r < 0 || r >= frame.nRows) throw new Error(`Row index ${r} out of range 0..${frame.nRows - 1}`);
  }
  return { nRows: rows.length, columns: frame.columns.map((c) => takeColumnRows(c, rows)) };
}

export function takeColumnRows(c: Column, rows: RowIndices): Column {
  if (c.kind === "numeric") return { ...c, values: gather(c.values, rows, new Float64Array(rows.length)) };
  return { ...c, codes: gather(c.codes, rows, new Int32Array(rows.length)) };
}

/** out[i] = source[rows[i]]. */
export function gather<T extends Float64Array | Int32Array | Uint32Array>(
  source: ArrayLike<number>,
  rows: RowIndices,
  out: T,
): T {
  for (let i = 0; i < rows.length; i++) out[i] = source[rows[i]!]!;
  return out;
}

export function selectColumns(frame: Frame, names: readonly string[]): Frame {
  const byName = new Map(frame.columns.map((c) => [c.name, c]));
  const columns = names.map((name) => {
    const c = byName.get(name);
    if (!c) throw new Error(`No column '${name}' in frame (columns: ${[...byName.keys()].join(", ")})`);
    return c;
  });
  return { nRows: frame.nRows, columns };
}

export function dropColumns(frame: Frame, names: readonly string[]): Frame {
  const drop = new Set(names);
  return { nRows: frame.nRows, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}

/** Replaces columns by name in place and appends the ones the frame did not have. */
export function withColumns(frame: Frame, replacements: readonly Column[]): Frame {
  const byName = new Map(replacements.map((c) => [c.name, c]));
  const columns = frame.columns.map((c) => byName.get(c.name) ?? c);
  const present = new Set(frame.columns.map((c) => c.name));
  for (const c of replacements) if (!present.has(c.name)) columns.push(c);
  return { nRows: frame.nRows, columns };
}

/** Every `step`-th row starting at 0 (flights-200k is every 5th row of flights-1m). */
export function everyNthRow(nRows: number, step: number): Uint32Array {
  const out = new Uint32Array(Math.ceil(nRows / step));
  for (let i = 0; i < out.length; i++) out[i] = i * step;
  return out;
}
