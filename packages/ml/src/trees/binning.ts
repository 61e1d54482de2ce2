import type { Column, Frame } from "../frame/frame.js";
import {
  alignColumns,
  codesInTrainingLevels,
  columnAsFloats,
  type FeatureSchema,
  type FeatureSpec,
  schemaOf,
} from "./feature-schema.js";
import { SeededRandom } from "./random.js";
import {
  decodeFloat64,
  decodeInt32,
  type EncodedArray,
  encodeFloat64,
  encodeInt32,
} from "./typed-array-codec.js";

/**
 * Histogram binning: every feature becomes ≤ 255 small integers plus a bin of its own for missing
 * values, stored column-major in one Uint8Array. Split search then scans bins instead of sorted rows,
 * and the thresholds kept here are the exact split values the fitted trees (and their ONNX export) use.
 *
 * Numeric features follow scikit-learn's `_BinMapper`: with ≤ maxBins distinct values each value gets
 * its own bin (edges at the midpoints, so split search is exact); otherwise the edges are the
 * "midpoint" percentiles k/maxBins, computed on a seeded subsample of ≤ 200k rows. A value x lands in
 * bin b iff thresholds[b-1] < x <= thresholds[b], so "bin <= b" is the same test as "x <= thresholds[b]".
 *
 * Categorical features ("native" treatment of categorical columns, or numeric columns of non-negative
 * integer codes named in `categoricalColumns`, scikit-learn's `categorical_features`) get one bin per
 * category seen in training, in code order.
 * Beyond maxBins categories, the maxBins-1 most frequent keep their own bins and all rarer ones share
 * the last bin, so splits cannot separate them from each other. Categories never seen in training
 * follow the missing-value direction at prediction time. With the "ordinal" treatment category codes
 * are binned as numbers (what scikit-learn trees see after an OrdinalEncoder).
 */

export const MAX_BINS = 255;

export type CategoricalTreatment = "native" | "ordinal";

export interface BinningOptions {
  /** Bins for non-missing values, 2..255. */
  readonly maxBins?: number;
  /** How categorical frame columns are split: by category sets ("native") or by code order ("ordinal"). */
  readonly categorical?: CategoricalTreatment;
  /** Numeric columns holding category codes (0, 1, 2, …; NaN = missing) to split as categories. */
  readonly categoricalColumns?: readonly string[];
  /** Rows used to compute quantile edges (scikit-learn: 200,000). */
  readonly subsample?: number;
  readonly seed?: number;
}

export interface FeatureBins {
  readonly name: string;
  /** "numeric": ordered thresholds; "categorical": splits send a set of categories left. */
  readonly splitKind: "numeric" | "categorical";
  /** Bins for non-missing values; the missing-value bin has index `nBins`. */
  readonly nBins: number;
  /** Numeric: the nBins-1 upper bin edges. Empty for categorical features. */
  readonly thresholds: Float64Array;
  /** Categorical: training category code → bin, -1 for categories absent from training data. */
  readonly categoryBins: Int32Array;
  /** Whether the training data had missing values in this feature. */
  readonly hasMissing: boolean;
}

export interface BinMapper {
  readonly schema: FeatureSchema;
  readonly features: readonly FeatureBins[];
}

/** A binned feature matrix: `bins[f * nRows + i]` is row i's bin for feature f. */
export interface BinnedDataset {
  readonly nRows: number;
  readonly bins: Uint8Array;
  readonly mapper: BinMapper;
}

const DEFAULT_SUBSAMPLE = 200_000;

/** Fits bin edges on `frame` and bins it. */
export function fitBins(frame: Frame, options: BinningOptions = {}): BinnedDataset {
  const maxBins = options.maxBins ?? MAX_BINS;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS) {
    throw new Error(`maxBins must be an integer in [2, ${MAX_BINS}], got ${maxBins}`);
  }
  const treatment = options.categorical ?? "native";
  const schema = schemaOf(frame);
  const columns = alignColumns(schema, frame);
  const codeColumns = new Set(options.categoricalColumns ?? []);
  for (const name of codeColumns) {
    if (!schema.some((s) => s.name === name))
      throw new Error(`categoricalColumns: no column '${name}' in the frame`);
  }
  const sample = subsampleRows(frame.nRows, options.subsample ?? DEFAULT_SUBSAMPLE, options.seed ?? 0);
  const n = frame.nRows;
  const bins = new Uint8Array(n * schema.length);
  const features = schema.map((spec, f): FeatureBins => {
    const column = columns[f]!;
    const target = bins.subarray(f * n, (f + 1) * n);
    if ((spec.kind === "categorical" && treatment === "native") || codeColumns.has(spec.name)) {
      const codes = categoryCodes(spec, column);
      const nLevels = spec.kind === "categorical" ? spec.levels.length : maxCode(codes) + 1;
      const { categoryBins, nBins } = categoricalBins(codes, nLevels, maxBins);
      const hasMissing = binCategories(codes, categoryBins, nBins, target);
      return {
        name: spec.name,
        splitKind: "categorical",
        nBins,
        thresholds: new Float64Array(0),
        categoryBins,
        hasMissing,
      };
    }
    const values = columnAsFloats(spec, column);
    const thresholds = numericThresholds(values, sample, maxBins);
    const hasMissing = binNumbers(values, thresholds, target);
    return {
      name: spec.name,
      splitKind: "numeric",
      nBins: thresholds.length + 1,
      thresholds,
      categoryBins: new Int32Array(0),
      hasMissing,
    };
  });
  return { nRows: n, bins, mapper: { schema, features } };
}

/** Bins another frame (validation or test rows) with fitted edges. */
export function transformBins(mapper: BinMapper, frame: Frame): BinnedDataset {
  const columns = alignColumns(mapper.schema, frame);
  const n = frame.nRows;
  const bins = new Uint8Array(n * mapper.features.length);
  mapper.features.forEach((feature, f) => {
    const spec = mapper.schema[f]!;
    const target = bins.subarray(f * n, (f + 1) * n);
    if (feature.splitKind === "categorical") {
      binCategories(categoryCodes(spec, columns[f]!), feature.categoryBins, feature.nBins, target);
    } else {
      binNumbers(columnAsFloats(spec, columns[f]!), feature.thresholds, target);
    }
  });
  return { nRows: n, bins, mapper };
}

/** The given rows of a binned dataset (same mapper), e.g. the training part after a validation split. */
export function selectBinnedRows(x: BinnedDataset, rows: Uint32Array): BinnedDataset {
  const n = x.nRows;
  const m = rows.length;
  const d = x.mapper.features.length;
  const bins = new Uint8Array(m * d);
  for (let f = 0; f < d; f++) {
    const from = f * n;
    const to = f * m;
    for (let i = 0; i < m; i++) bins[to + i] = x.bins[from + rows[i]!]!;
  }
  return { nRows: m, bins, mapper: x.mapper };
}

/** Index of the missing-value bin of each feature (= its number of non-missing bins). */
export function missingBins(mapper: BinMapper): Uint8Array {
  return Uint8Array.from(mapper.features, (f) => f.nBins);
}

/** Category codes of a categorical column (training levels), or of a numeric column of integer codes. */
function categoryCodes(spec: FeatureSpec, column: Column): Int32Array {
  if (column.kind === "categorical") return codesInTrainingLevels(spec, column);
  const codes = new Int32Array(column.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = column.values[i]!;
    if (Number.isNaN(v)) codes[i] = -1;
    else if (Number.isInteger(v) && v >= 0 && v < 2 ** 31) codes[i] = v;
    else
      throw new Error(
        `Column '${column.name}' is used as categorical but holds ${v} (codes must be integers >= 0)`,
      );
  }
  return codes;
}

function maxCode(codes: Int32Array): number {
  let max = -1;
  for (let i = 0; i < codes.length; i++) if (codes[i]! > max) max = codes[i]!;
  return max;
}

function subsampleRows(n: number, subsample: number, seed: number): Uint32Array | null {
  if (n <= subsample) return null;
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  const random = new SeededRandom(seed);
  for (let i = 0; i < subsample; i++) {
    const j = i + random.nextInt(n - i);
    const t = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = t;
  }
  return rows.subarray(0, subsample);
}

/** Upper bin edges, as scikit-learn's `_find_binning_thresholds` (duplicate edges removed). */
export function numericThresholds(
  values: Float64Array,
  sample: Uint32Array | null,
  maxBins: number,
): Float64Array {
  const count = sample ? sample.length : values.length;
  const buffer = new Float64Array(count);
  let m = 0;
  for (let i = 0; i < count; i++) {
    const v = values[sample ? sample[i]! : i]!;
    if (!Number.isNaN(v)) buffer[m++] = v;
  }
  const sorted = buffer.subarray(0, m).sort();
  let distinct = 0;
  for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const edges: number[] = [];
  if (distinct <= maxBins) {
    // Midpoints between consecutive distinct values: every value keeps a bin of its own.
    for (let i = 1; i < m; i++) {
      if (sorted[i] !== sorted[i - 1]) edges.push((sorted[i - 1]! + sorted[i]!) * 0.5);
    }
    return Float64Array.from(edges);
  }
  const step = 100 / maxBins; // numpy.linspace(0, 100, maxBins + 1)[1:-1]
  for (let k = 1; k < maxBins; k++) {
    const position = ((k * step) / 100) * (m - 1);
    const lo = Math.floor(position);
    const a = sorted[lo]!;
    // numpy's "midpoint" percentile: the value itself at integral positions, else halfway to the next.
    const edge = position === lo ? a : sorted[lo + 1]! - (sorted[lo + 1]! - a) * 0.5;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return Float64Array.from(edges);
}

function binNumbers(values: Float64Array, thresholds: Float64Array, out: Uint8Array): boolean {
  const missing = thresholds.length + 1;
  let hasMissing = false;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) {
      out[i] = missing;
      hasMissing = true;
      continue;
    }
    out[i] = binOfValue(thresholds, x);
  }
  return hasMissing;
}

/** The bin of a non-missing value: the number of edges strictly below it (the first edge >= x). */
export function binOfValue(thresholds: Float64Array, x: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= thresholds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function categoricalBins(
  codes: Int32Array,
  nLevels: number,
  maxBins: number,
): { categoryBins: Int32Array; nBins: number } {
  const counts = new Float64Array(nLevels);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c >= 0) counts[c]!++;
  }
  const seen: number[] = [];
  for (let c = 0; c < nLevels; c++) if (counts[c]! > 0) seen.push(c);
  const categoryBins = new Int32Array(nLevels).fill(-1);
  if (seen.length <= maxBins) {
    seen.forEach((c, b) => {
      categoryBins[c] = b;
    });
    return { categoryBins, nBins: Math.max(1, seen.length) };
  }
  const byFrequency = [...seen].sort((a, b) => counts[b]! - counts[a]! || a - b);
  const ownBin = byFrequency.slice(0, maxBins - 1).sort((a, b) => a - b);
  const other = maxBins - 1;
  for (const c of seen) categoryBins[c] = other;
  ownBin.forEach((c, b) => {
    categoryBins[c] = b;
  });
  return { categoryBins, nBins: maxBins };
}

function binCategories(codes: Int32Array, categoryBins: Int32Array, nBins: number, out: Uint8Array): boolean {
  let hasMissing = false;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    const b = c >= 0 && c < categoryBins.length ? categoryBins[c]! : -1;
    if (b < 0) {
      out[i] = nBins;
      hasMissing = true;
    } else {
      out[i] = b;
    }
  }
  return hasMissing;
}

export type FeatureBinsJSON = {
  readonly name: string;
  readonly splitKind: "numeric" | "categorical";
  readonly nBins: number;
  readonly thresholds: EncodedArray;
  readonly categoryBins: EncodedArray;
  readonly hasMissing: boolean;
};

export type BinMapperJSON = {
  readonly schema: readonly FeatureSpec[];
  readonly features: readonly FeatureBinsJSON[];
};

export function binMapperToJSON(mapper: BinMapper): BinMapperJSON {
  return {
    schema: mapper.schema,
    features: mapper.features.map((f) => ({
      name: f.name,
      splitKind: f.splitKind,
      nBins: f.nBins,
      thresholds: encodeFloat64(f.thresholds),
      categoryBins: encodeInt32(f.categoryBins),
      hasMissing: f.hasMissing,
    })),
  };
}

export function binMapperFromJSON(json: BinMapperJSON): BinMapper {
  return {
    schema: json.schema,
    features: json.features.map((f) => ({
      name: f.name,
      splitKind: f.splitKind,
      nBins: f.nBins,
      thresholds: decodeFloat64(f.thresholds),
      categoryBins: decodeInt32(f.categoryBins),
      hasMissing: f.hasMissing,
    })),
  };
}
