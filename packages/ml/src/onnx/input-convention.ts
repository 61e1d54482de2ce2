/**
 * How an exported graph takes its input: one named input per frame column, so that a served model
 * accepts the same columns a CSV file has and the serving package's column signatures line up
 * (one ONNX input per column, [N, 1]).
 *
 * - Numeric columns are `double` [N, 1]; NaN is missing. Double, not float: every operator the
 *   exporters use runs in double in onnxruntime, so the graph computes what the TypeScript code
 *   computes, to the last few ulps, instead of to float32's 1e-7.
 * - Categorical columns are `string` [N, 1] holding the level itself, as written in the CSV file.
 *   The strings in `missingStrings` (by default "" and "NA", the CSV reader's missing tokens) mean
 *   missing, unless some fitted step knows them as a level. Strings, not integer codes, because
 *   codes index a dictionary that only the training process had: a client holding the original
 *   row cannot know them.
 */
import type { ValueInfo } from "@gyre/onnx";
import type { Frame } from "../frame/frame.js";

export type OnnxColumnKind = "numeric" | "categorical";

export interface OnnxInputColumn {
  readonly name: string;
  readonly kind: OnnxColumnKind;
}

/** The CSV reader's default missing tokens (data/csv.ts). */
export const DEFAULT_MISSING_STRINGS: readonly string[] = ["", "NA"];

/** The symbolic batch dimension of every input and output. */
export const BATCH_DIM = "N";

export function inputColumnsOf(frame: Frame): OnnxInputColumn[] {
  return frame.columns.map((c) => ({ name: c.name, kind: c.kind }));
}

export function inputValueInfo(column: OnnxInputColumn): ValueInfo {
  return {
    name: column.name,
    elemType: column.kind === "numeric" ? "double" : "string",
    shape: [BATCH_DIM, 1],
  };
}

/** One input tensor's data as onnxruntime takes it (`new ort.Tensor(type, data, dims)`). */
export type OnnxFeed =
  | { readonly type: "float64"; readonly data: Float64Array; readonly dims: readonly [number, 1] }
  | { readonly type: "string"; readonly data: string[]; readonly dims: readonly [number, 1] };

/**
 * A frame's columns in the input convention: numbers as they are (NaN stays NaN), categories as
 * their level strings with missing as the first missing string (""). Only `columns` when given.
 */
export function frameToOnnxFeeds(
  frame: Frame,
  columns?: readonly string[],
  missingString = DEFAULT_MISSING_STRINGS[0] ?? "",
): Record<string, OnnxFeed> {
  const wanted = columns ? new Set(columns) : undefined;
  const feeds: Record<string, OnnxFeed> = {};
  for (const c of frame.columns) {
    if (wanted && !wanted.has(c.name)) continue;
    const dims = [frame.nRows, 1] as const;
    feeds[c.name] =
      c.kind === "numeric"
        ? { type: "float64", data: c.values, dims }
        : {
            type: "string",
            data: Array.from(c.codes, (code) => (code < 0 ? missingString : c.levels[code]!)),
            dims,
          };
  }
  return feeds;
}

/** pandas' "split" orientation, the form MLflow stores input examples in. */
export interface SplitOrientExample {
  readonly columns: readonly string[];
  readonly data: readonly (readonly (number | string | null)[])[];
}

/**
 * The first `rows` rows of a frame as a JSON input example a served model accepts as is: missing
 * numbers as null (JSON has no NaN; the serving runtime reads null as NaN), missing categories as
 * "" (the serving runtime takes only strings for string columns).
 */
export function inputExampleOf(frame: Frame, rows = 5, columns?: readonly string[]): SplitOrientExample {
  const selected = columns ? frame.columns.filter((c) => columns.includes(c.name)) : frame.columns;
  const n = Math.min(rows, frame.nRows);
  const data = Array.from({ length: n }, (_, i) =>
    selected.map((c) => {
      if (c.kind === "numeric") return Number.isNaN(c.values[i]!) ? null : c.values[i]!;
      const code = c.codes[i]!;
      return code < 0 ? "" : c.levels[code]!;
    }),
  );
  return { columns: selected.map((c) => c.name), data };
}
