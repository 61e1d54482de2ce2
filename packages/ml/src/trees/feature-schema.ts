import type { Column, Frame } from "../frame/frame.js";

/** What a tree model remembers about each input column, to check and encode frames at predict time. */
export type FeatureSpec = {
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  /** Training levels of a categorical column (codes in a model index into these); empty for numeric. */
  readonly levels: readonly string[];
};

export type FeatureSchema = readonly FeatureSpec[];

export function schemaOf(frame: Frame): FeatureSchema {
  return frame.columns.map((c) =>
    c.kind === "numeric"
      ? { name: c.name, kind: "numeric", levels: [] }
      : { name: c.name, kind: "categorical", levels: c.levels },
  );
}

/** The frame's columns in schema order, checked by name and kind. */
export function alignColumns(schema: FeatureSchema, frame: Frame): Column[] {
  return schema.map((spec) => {
    const found = frame.columns.find((c) => c.name === spec.name);
    if (!found) throw new Error(`Input frame has no column '${spec.name}' (the model was fitted on it)`);
    if (found.kind !== spec.kind) {
      throw new Error(
        `Column '${spec.name}' is ${found.kind}, but the model was fitted on a ${spec.kind} column`,
      );
    }
    return found;
  });
}

/**
 * Maps a frame's category codes onto the training levels by name. Frames loaded separately can order
 * their dictionaries differently; a level unknown at training maps to -1 (treated as missing).
 */
export function codesInTrainingLevels(spec: FeatureSpec, column: Column): Int32Array {
  if (column.kind !== "categorical") throw new Error(`Column '${column.name}' is not categorical`);
  const levels = spec.levels;
  if (sameLevels(levels, column.levels)) return column.codes;
  const position = new Map<string, number>();
  levels.forEach((level, i) => {
    position.set(level, i);
  });
  const remap = column.levels.map((level) => position.get(level) ?? -1);
  const codes = new Int32Array(column.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = column.codes[i]!;
    codes[i] = c < 0 ? -1 : remap[c]!;
  }
  return codes;
}

function sameLevels(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One column as float values: numbers as they are, category codes as numbers, missing as NaN. This is
 * the value a split compares (`x <= threshold`, or code membership for categorical splits).
 */
export function columnAsFloats(spec: FeatureSpec, column: Column): Float64Array {
  if (column.kind === "numeric") return column.values;
  const codes = codesInTrainingLevels(spec, column);
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    out[i] = c < 0 ? Number.NaN : c;
  }
  return out;
}

/**
 * The frame as a row-major float matrix in schema order (n × d), the layout tree traversal reads
 * fastest: one row's features sit together in memory.
 */
export function rowMajorFeatures(schema: FeatureSchema, frame: Frame): Float64Array {
  const columns = alignColumns(schema, frame);
  const d = schema.length;
  const n = frame.nRows;
  const out = new Float64Array(n * d);
  for (let f = 0; f < d; f++) {
    const values = columnAsFloats(schema[f]!, columns[f]!);
    for (let i = 0; i < n; i++) out[i * d + f] = values[i]!;
  }
  return out;
}
