/**
 * A column of one window as typed arrays, the input of the in-memory drift path: no row objects.
 * Numbers are a Float64Array (NaN and ±Infinity are missing); categories are Int32Array codes into
 * a dictionary of labels (a negative code is missing). The reference and the current window may
 * use different dictionaries: categories are matched by label.
 */
export type DriftColumnInput = NumericColumnInput | CategoricalColumnInput;

/** Evidently's column types; `type` on an input overrides the inference. */
export type DeclaredColumnType = "numerical" | "categorical";

export interface NumericColumnInput {
  readonly name: string;
  readonly kind: "numeric";
  readonly values: Float64Array;
  /**
   * The source type: integer columns with ≤ 10 distinct reference values are categorical
   * (Evidently's inference), floats are numerical. Default "float".
   */
  readonly family?: "float" | "integer";
  readonly type?: DeclaredColumnType;
}

export interface CategoricalColumnInput {
  readonly name: string;
  readonly kind: "categorical";
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
  /**
   * The source type: strings are text (not tested) when more than half their reference values are
   * distinct, else categorical; booleans are categorical. Default "string".
   */
  readonly family?: "string" | "boolean";
  readonly type?: "categorical";
}

/** A column left out of the drift run, with the reason. */
export interface SkippedColumn {
  name: string;
  reason: string;
}
