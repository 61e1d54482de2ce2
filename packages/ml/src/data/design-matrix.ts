/**
 * The design matrix a linear model sees: a dense row-major block for numeric columns, followed by
 * one-hot blocks for categorical columns, each stored as one code per row (the single column that
 * is 1 in that block; -1 for none). The blocks are the sparse part: flights' 456 airport indicators
 * cost 2 ints per row instead of 456 doubles.
 */
import { levelMapping, sameLevels } from "../frame/access.js";
import { column, type Frame } from "../frame/frame.js";

/** Which frame columns go where; fixed when a model is fitted and stored with it. */
export interface DesignLayout {
  readonly dense: readonly string[];
  readonly oneHot: readonly { readonly column: string; readonly levels: readonly string[] }[];
}

export interface OneHotBlock {
  readonly column: string;
  readonly levels: readonly string[];
  /** Index of the block's first feature (after the dense features and earlier blocks). */
  readonly offset: number;
  /** Per row: the active level, or -1 when the row is all zeros in this block. */
  readonly codes: Int32Array;
}

export interface DesignMatrix {
  readonly nRows: number;
  readonly nDense: number;
  /** Row-major nRows × nDense. */
  readonly dense: Float64Array;
  readonly blocks: readonly OneHotBlock[];
  readonly nFeatures: number;
}

/** Numeric columns → dense features, categorical columns → one-hot blocks over their levels. */
export function designLayoutOf(frame: Frame): DesignLayout {
  const dense: string[] = [];
  const oneHot: { column: string; levels: readonly string[] }[] = [];
  for (const c of frame.columns) {
    if (c.kind === "numeric") dense.push(c.name);
    else oneHot.push({ column: c.name, levels: c.levels });
  }
  return { dense, oneHot };
}

export function featureNames(layout: DesignLayout): string[] {
  return [...layout.dense, ...layout.oneHot.flatMap((b) => b.levels.map((level) => `${b.column}=${level}`))];
}

export function featureCount(layout: DesignLayout): number {
  return layout.oneHot.reduce((n, b) => n + b.levels.length, layout.dense.length);
}

/**
 * Builds the design of `frame` in `layout` (default: the frame's own). Categorical codes are mapped
 * by level name, so a level the layout lacks becomes all zeros. Missing numeric values are an error:
 * a linear model has no meaning for them, so impute first.
 */
export function buildDesign(frame: Frame, layout: DesignLayout = designLayoutOf(frame)): DesignMatrix {
  const n = frame.nRows;
  const nDense = layout.dense.length;
  const dense = new Float64Array(n * nDense);
  layout.dense.forEach((name, j) => {
    const c = column(frame, name);
    if (c.kind !== "numeric") throw new Error(`Design: column '${name}' must be numeric`);
    const v = c.values;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (Number.isNaN(x))
        throw new Error(`Design: column '${name}' has a missing value at row ${i}; impute first`);
      dense[i * nDense + j] = x;
    }
  });
  let offset = nDense;
  const blocks = layout.oneHot.map((b): OneHotBlock => {
    const c = column(frame, b.column);
    if (c.kind !== "categorical") throw new Error(`Design: column '${b.column}' must be categorical`);
    const codes = sameLevels(c.levels, b.levels)
      ? c.codes
      : remapCodes(c.codes, levelMapping(c.levels, b.levels));
    const block = { column: b.column, levels: b.levels, offset, codes };
    offset += b.levels.length;
    return block;
  });
  return { nRows: n, nDense, dense, blocks, nFeatures: offset };
}

/** The full matrix, row-major nRows × nFeatures, one-hot blocks expanded to 0/1. */
export function toDenseRowMajor(design: DesignMatrix): Float64Array {
  const { nRows, nDense, nFeatures } = design;
  const out = new Float64Array(nRows * nFeatures);
  for (let i = 0; i < nRows; i++) {
    out.set(design.dense.subarray(i * nDense, (i + 1) * nDense), i * nFeatures);
    for (const b of design.blocks) {
      const code = b.codes[i]!;
      if (code >= 0) out[i * nFeatures + b.offset + code] = 1;
    }
  }
  return out;
}

function remapCodes(codes: Int32Array, mapping: Int32Array): Int32Array {
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! < 0 ? -1 : mapping[codes[i]!]!;
  return out;
}
