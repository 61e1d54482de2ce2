/**
 * The columnar frame every trainer consumes: one typed array per column, no per-row objects.
 * Numeric columns are Float64Array with NaN for missing; categorical columns are Int32Array codes
 * into a dictionary, with -1 for missing. Shared by preprocessing, models, metrics and export.
 */
export interface NumericColumn {
  readonly kind: "numeric";
  readonly name: string;
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly kind: "categorical";
  readonly name: string;
  /** Index into `levels`; -1 means missing. */
  readonly codes: Int32Array;
  readonly levels: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Frame {
  readonly nRows: number;
  readonly columns: readonly Column[];
}

export function column(frame: Frame, name: string): Column {
  const found = frame.columns.find((c) => c.name === name);
  if (!found)
    throw new Error(`No column '${name}' in frame (columns: ${frame.columns.map((c) => c.name).join(", ")})`);
  return found;
}
