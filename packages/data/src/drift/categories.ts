import { type CategoricalSummary, countAt, type NumericSummary } from "./summary.js";

/**
 * Both sides' counts over the union of the categories present in either, in ascending order of
 * the category (code-unit order for labels, numeric order for numbers): position 0 is the first
 * sorted value, which the z-test codes as 0. `isNew` marks categories the reference never had.
 */
export interface AlignedCategories {
  readonly reference: Float64Array;
  readonly current: Float64Array;
  readonly isNew: Uint8Array;
  label(i: number): string;
}

/** A categorical reference summary with its label → index lookup, built once per reference. */
export interface IndexedCategories {
  readonly summary: CategoricalSummary;
  readonly index: ReadonlyMap<string, number>;
}

export function indexCategories(summary: CategoricalSummary): IndexedCategories {
  const index = new Map<string, number>();
  summary.dictionary.forEach((label, i) => {
    index.set(label, i);
  });
  return { summary, index };
}

export function alignLabels(reference: IndexedCategories, current: CategoricalSummary): AlignedCategories {
  const ref = reference.summary;
  const entries = new Map<string, { r: number; c: number }>();
  for (let i = 0; i < ref.dictionary.length; i++) {
    if (ref.counts[i]! > 0) entries.set(ref.dictionary[i]!, { r: ref.counts[i]!, c: 0 });
  }
  for (let i = 0; i < current.dictionary.length; i++) {
    const count = current.counts[i]!;
    if (count === 0) continue;
    const label = current.dictionary[i]!;
    const entry = entries.get(label);
    if (entry) entry.c += count;
    else entries.set(label, { r: 0, c: count });
  }
  const labels = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = aligned(labels.length, (i) => labels[i]!);
  labels.forEach((label, i) => {
    const { r, c } = entries.get(label)!;
    out.reference[i] = r;
    out.current[i] = c;
    out.isNew[i] = r === 0 ? 1 : 0;
  });
  return out;
}

/** A numeric column's distinct values as categories (integers with few values; ≤ 20-value bins). */
export function alignValues(reference: NumericSummary, current: NumericSummary): AlignedCategories {
  const rv = reference.values;
  const cv = current.values;
  const values: number[] = [];
  const r: number[] = [];
  const c: number[] = [];
  let i = 0;
  let j = 0;
  while (i < rv.length || j < cv.length) {
    const a = i < rv.length ? rv[i]! : Number.POSITIVE_INFINITY;
    const b = j < cv.length ? cv[j]! : Number.POSITIVE_INFINITY;
    const v = a <= b ? a : b;
    values.push(v);
    r.push(a === v ? countAt(reference, i++) : 0);
    c.push(b === v ? countAt(current, j++) : 0);
  }
  const out = aligned(values.length, (k) => String(values[k]));
  out.reference.set(r);
  out.current.set(c);
  for (let k = 0; k < values.length; k++) out.isNew[k] = r[k] === 0 ? 1 : 0;
  return out;
}

function aligned(size: number, label: (i: number) => string) {
  return {
    reference: new Float64Array(size),
    current: new Float64Array(size),
    isNew: new Uint8Array(size),
    label,
  };
}

/** The categories the reference had, the current's rows in new categories set aside. */
export function knownOnly(categories: AlignedCategories): { reference: Float64Array; current: Float64Array } {
  const keep: number[] = [];
  for (let i = 0; i < categories.isNew.length; i++) if (!categories.isNew[i]) keep.push(i);
  return {
    reference: Float64Array.from(keep, (i) => categories.reference[i]!),
    current: Float64Array.from(keep, (i) => categories.current[i]!),
  };
}

export interface NewCategories {
  /** How many distinct categories the reference never had. */
  distinct: number;
  /** Current rows in those categories, and their share of the current's non-missing rows. */
  rows: number;
  share: number;
  /** The most frequent of them (up to 10), most frequent first. */
  values: string[];
}

/** Shown per column in reports; the full count is always in `distinct`. */
export const NEW_CATEGORY_EXAMPLES = 10;

export function newCategories(categories: AlignedCategories, currentRows: number): NewCategories {
  const found: number[] = [];
  let rows = 0;
  for (let i = 0; i < categories.isNew.length; i++) {
    if (categories.isNew[i]) {
      found.push(i);
      rows += categories.current[i]!;
    }
  }
  found.sort((a, b) => categories.current[b]! - categories.current[a]! || a - b);
  return {
    distinct: found.length,
    rows,
    share: currentRows === 0 ? 0 : rows / currentRows,
    values: found.slice(0, NEW_CATEGORY_EXAMPLES).map((i) => categories.label(i)),
  };
}
