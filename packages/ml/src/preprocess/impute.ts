/** Missing-value imputation: NaN in numeric columns, code -1 in categorical ones. */
import { levelMapping } from "../frame/access.js";
import { type Column, column, type Frame } from "../frame/frame.js";
import { withColumns } from "../frame/rows.js";
import {
  arrayField,
  expectKind,
  type KindedJson,
  numberField,
  objectField,
  stringField,
} from "../pipeline/json.js";
import { type FittedTransformer, resolveColumns, type Transformer } from "./transformer.js";

export type ImputeStrategy = "mean" | "median" | "most_frequent" | "constant";

export interface SimpleImputerOptions {
  readonly strategy?: ImputeStrategy;
  /** Default: every numeric column for mean/median, every column for most_frequent/constant. */
  readonly columns?: readonly string[];
  /**
   * For `constant`: a number for numeric columns (default 0), a level for categorical ones
   * (default "missing").
   */
  readonly fillValue?: number | string;
}

type Fill =
  | { readonly column: string; readonly value: number }
  | { readonly column: string; readonly level: string };

export class SimpleImputer implements Transformer {
  readonly kind = "simple_imputer";
  readonly strategy: ImputeStrategy;

  constructor(private readonly options: SimpleImputerOptions = {}) {
    this.strategy = options.strategy ?? "mean";
  }

  fit(frame: Frame): FittedSimpleImputer {
    const numericOnly = this.strategy === "mean" || this.strategy === "median";
    const names = resolveColumns(
      frame,
      this.options.columns,
      numericOnly ? "numeric" : "any",
      "SimpleImputer",
    );
    return new FittedSimpleImputer(names.map((name) => this.fillFor(column(frame, name))));
  }

  private fillFor(c: Column): Fill {
    const { strategy } = this;
    const fill = this.options.fillValue;
    if (c.kind === "numeric") {
      if (strategy === "constant") {
        if (typeof fill === "string")
          throw new Error(`SimpleImputer: fill value for numeric '${c.name}' must be a number`);
        return { column: c.name, value: fill ?? 0 };
      }
      const observed = observedValues(c.values);
      if (observed.length === 0) {
        throw new Error(
          `SimpleImputer: column '${c.name}' has no observed value to compute a ${strategy} from`,
        );
      }
      return { column: c.name, value: statistic(observed, strategy) };
    }
    if (strategy === "constant") {
      if (typeof fill === "number")
        throw new Error(`SimpleImputer: fill value for categorical '${c.name}' must be a string`);
      return { column: c.name, level: fill ?? "missing" };
    }
    return { column: c.name, level: mostFrequentLevel(c.codes, c.levels, c.name) };
  }
}

export class FittedSimpleImputer implements FittedTransformer {
  readonly kind = "simple_imputer";
  constructor(readonly fills: readonly Fill[]) {}

  transform(frame: Frame): Frame {
    return withColumns(
      frame,
      this.fills.map((fill) => imputeColumn(column(frame, fill.column), fill)),
    );
  }

  toJSON(): KindedJson {
    return { kind: this.kind, fills: this.fills.map((f) => ({ ...f })) };
  }

  static fromJSON(json: KindedJson): FittedSimpleImputer {
    expectKind(json, "simple_imputer");
    const fills = arrayField(json.fills, "simple_imputer.fills").map((entry): Fill => {
      const f = objectField(entry, "simple_imputer fill");
      const name = stringField(f.column, "simple_imputer fill column");
      return "level" in f
        ? { column: name, level: stringField(f.level, "fill level") }
        : { column: name, value: numberField(f.value, "fill value") };
    });
    return new FittedSimpleImputer(fills);
  }
}

function imputeColumn(c: Column, fill: Fill): Column {
  if (c.kind === "numeric") {
    if (!("value" in fill)) throw new Error(`SimpleImputer: column '${c.name}' was categorical when fitted`);
    if (!c.values.some(Number.isNaN)) return c;
    const values = c.values.slice();
    for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) values[i] = fill.value;
    return { ...c, values };
  }
  if (!("level" in fill)) throw new Error(`SimpleImputer: column '${c.name}' was numeric when fitted`);
  if (!c.codes.includes(-1)) return c;
  let levels = c.levels;
  let code = levelMapping([fill.level], levels)[0]!;
  if (code < 0) {
    levels = [...levels, fill.level];
    code = levels.length - 1;
  }
  const codes = c.codes.slice();
  for (let i = 0; i < codes.length; i++) if (codes[i]! < 0) codes[i] = code;
  return { ...c, levels, codes };
}

function statistic(observed: Float64Array, strategy: "mean" | "median" | "most_frequent"): number {
  if (strategy === "mean") {
    let sum = 0;
    for (let i = 0; i < observed.length; i++) sum += observed[i]!;
    return sum / observed.length;
  }
  if (strategy === "median") return medianInPlace(observed);
  const sorted = observed.sort();
  // Most frequent; ties go to the smallest value, as in scikit-learn.
  let best = sorted[0]!;
  let bestCount = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i]!;
    }
    i = j;
  }
  return best;
}

/** The non-NaN values, in order. */
export function observedValues(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[k++] = values[i]!;
  return out;
}

/**
 * Median (mean of the two middle values for an even count, as numpy) by quickselect: O(n), where
 * sorting a 160k-row column would dominate the fit. Reorders `values`.
 */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  const upper = select(values, n >> 1);
  if (n % 2 === 1) return upper;
  // After selection everything left of n/2 is <= upper: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Hoare quickselect with median-of-three pivots: the k-th smallest value, partitioning around it. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const pivot = medianOfThree(a[lo]!, a[mid]!, a[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function medianOfThree(x: number, y: number, z: number): number {
  return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
}

function mostFrequentLevel(codes: Int32Array, levels: readonly string[], name: string): string {
  const counts = new Int32Array(levels.length);
  for (let i = 0; i < codes.length; i++) if (codes[i]! >= 0) counts[codes[i]!]!++;
  let best = -1;
  for (let c = 0; c < levels.length; c++) {
    const better =
      best < 0 || counts[c]! > counts[best]! || (counts[c] === counts[best] && levels[c]! < levels[best]!);
    if (counts[c]! > 0 && better) best = c;
  }
  if (best < 0) throw new Error(`SimpleImputer: column '${name}' has no observed level`);
  return levels[best]!;
}
