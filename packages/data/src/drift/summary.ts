import { invalidParameter } from "@gyre/core/errors";
import { SortScratch, sortFinite } from "./sort.js";

/**
 * One column of one window reduced, in one pass over its values, to what every drift method needs:
 * a numeric column to its distinct finite values in ascending order with their counts (the exact
 * empirical distribution), a categorical column to a count per category. Every statistic — the
 * union's distinct count used to choose the method, KS, Wasserstein, the bins of PSI / KL /
 * Jensen–Shannon, the plots — is then computed from two summaries, never from the rows again.
 * A reference's summaries are computed once and reused for every current window.
 */
export type ColumnSummary = NumericSummary | CategoricalSummary;

export interface NumericSummary {
  readonly kind: "numeric";
  /** Distinct finite values, ascending (-0 counted as 0). */
  readonly values: Float64Array;
  /** How often each value occurs; undefined when every value occurs once (saves a copy). */
  readonly counts: Uint32Array | undefined;
  /** Non-missing values. */
  readonly rows: number;
  /** NaN and ±Infinity, which Evidently drops before testing. */
  readonly missing: number;
  readonly mean: number;
  /** Population standard deviation (numpy's `std`, ddof = 0), the Wasserstein normaliser. */
  readonly std: number;
}

export interface CategoricalSummary {
  readonly kind: "categorical";
  /** Distinct category labels (duplicates in an input dictionary are merged). */
  readonly dictionary: readonly string[];
  /** Rows per dictionary entry (an entry may count 0). */
  readonly counts: Float64Array;
  readonly rows: number;
  /** Codes < 0 (null). */
  readonly missing: number;
}

/** Distinct values tried in a hash table before falling back to sorting every value. */
const HASH_DISTINCT_LIMIT = 1 << 15;
const HASH_SIZE = 1 << 17;

/** The count of values[i] (1 when the summary keeps no counts). */
export function countAt(summary: NumericSummary, i: number): number {
  return summary.counts === undefined ? 1 : summary.counts[i]!;
}

/**
 * Summarises a numeric column. Few distinct values (integers, codes, rounded figures) are counted
 * in a hash table and only the distinct values sorted; otherwise the finite values are copied,
 * radix-sorted and run-length encoded. The input is never modified.
 */
export function summariseNumeric(values: Float64Array, scratch?: SortScratch): NumericSummary {
  const n = values.length;
  const hashed = hashCounts(values);
  let distinct: Float64Array;
  let counts: Uint32Array | undefined;
  let missing: number;
  if (hashed) {
    ({ distinct, counts, missing } = hashed);
  } else {
    const finite = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      // v - v is 0 for finite v, NaN for NaN and ±Infinity; v + 0 turns -0 into 0.
      if (v - v === 0) finite[m++] = v + 0;
    }
    missing = n - m;
    ({ distinct, counts } = runLengths(sortFinite(finite.subarray(0, m), scratch ?? new SortScratch())));
  }
  const rows = n - missing;
  const { mean, std } = moments(distinct, counts, rows);
  return { kind: "numeric", values: distinct, counts, rows, missing, mean, std };
}

/** Distinct values and counts by hashing, or undefined once more than the limit are distinct. */
function hashCounts(values: Float64Array) {
  const n = values.length;
  const keys = new Float64Array(HASH_SIZE);
  const bits = new Uint32Array(keys.buffer);
  const tally = new Uint32Array(HASH_SIZE);
  const probe = new Float64Array(1);
  const probeBits = new Uint32Array(probe.buffer);
  const mask = HASH_SIZE - 1;
  let distinct = 0;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v !== 0) {
      missing++;
      continue;
    }
    probe[0] = v + 0;
    const lo = probeBits[0]!;
    const hi = probeBits[1]!;
    let slot = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 15) & mask;
    // An empty slot has tally 0; occupied slots compare bit patterns (so 0 and -0 never meet: -0 was folded).
    while (tally[slot] !== 0 && (bits[2 * slot] !== lo || bits[2 * slot + 1] !== hi))
      slot = (slot + 1) & mask;
    if (tally[slot] === 0) {
      if (++distinct > HASH_DISTINCT_LIMIT) return undefined;
      keys[slot] = probe[0]!;
    }
    tally[slot]!++;
  }
  const order = new Float64Array(distinct);
  let k = 0;
  for (let s = 0; s < HASH_SIZE; s++) if (tally[s] !== 0) order[k++] = keys[s]!;
  order.sort();
  const counts = new Uint32Array(distinct);
  // Look each sorted value up again to read its count.
  for (let i = 0; i < distinct; i++) {
    probe[0] = order[i]!;
    const lo = probeBits[0]!;
    const hi = probeBits[1]!;
    let slot = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 15) & mask;
    while (bits[2 * slot] !== lo || bits[2 * slot + 1] !== hi) slot = (slot + 1) & mask;
    counts[i] = tally[slot]!;
  }
  return { distinct: order, counts: distinct === n - missing ? undefined : counts, missing };
}

/** Distinct values of a sorted array (compacted in place) with their counts. */
function runLengths(sorted: Float64Array): { distinct: Float64Array; counts: Uint32Array | undefined } {
  const m = sorted.length;
  let d = 0;
  for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) d++;
  if (d === m) return { distinct: sorted, counts: undefined };
  const counts = new Uint32Array(d);
  let k = -1;
  for (let i = 0; i < m; i++) {
    const v = sorted[i]!;
    if (k < 0 || v !== sorted[k]) sorted[++k] = v;
    counts[k]!++;
  }
  // A copy, so the summary does not pin the whole sorted buffer.
  return { distinct: sorted.slice(0, d), counts };
}

/**
 * Mean and population std in two passes, each a compensated (Neumaier) sum so the result is as
 * accurate as numpy's pairwise sums (the rounding error of each addition is kept and added back).
 */
function moments(values: Float64Array, counts: Uint32Array | undefined, rows: number) {
  if (rows === 0) return { mean: Number.NaN, std: Number.NaN };
  let sum = 0;
  let carry = 0;
  for (let i = 0; i < values.length; i++) {
    const x = counts === undefined ? values[i]! : values[i]! * counts[i]!;
    const t = sum + x;
    carry += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  const mean = (sum + carry) / rows;
  sum = 0;
  carry = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean;
    const x = counts === undefined ? d * d : d * d * counts[i]!;
    const t = sum + x;
    carry += sum >= x ? sum - t + x : x - t + sum;
    sum = t;
  }
  return { mean, std: Math.sqrt((sum + carry) / rows) };
}

/**
 * Summarises a categorical column given as dictionary codes (code < 0 = missing). Dictionary entries
 * that repeat a label are merged; a code past the dictionary is an error naming the column.
 */
export function summariseCategorical(
  codes: Int32Array,
  dictionary: readonly string[],
  column = "column",
): CategoricalSummary {
  const raw = new Float64Array(dictionary.length);
  let missing = 0;
  let outside = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < 0) missing++;
    else if (c < raw.length) raw[c]!++;
    else outside++;
  }
  if (outside > 0) {
    throw invalidParameter(
      `${column}: ${outside} codes point past the dictionary of ${dictionary.length} categories`,
    );
  }
  const labels: string[] = [];
  const index = new Map<string, number>();
  const counts: number[] = [];
  for (let c = 0; c < dictionary.length; c++) {
    const label = dictionary[c]!;
    const at = index.get(label);
    if (at === undefined) {
      index.set(label, labels.length);
      labels.push(label);
      counts.push(raw[c]!);
    } else counts[at]! += raw[c]!;
  }
  return {
    kind: "categorical",
    dictionary: labels,
    counts: Float64Array.from(counts),
    rows: codes.length - missing,
    missing,
  };
}

/** Categories that occur (count > 0). */
export function presentCategories(summary: CategoricalSummary): number {
  let k = 0;
  for (let i = 0; i < summary.counts.length; i++) if (summary.counts[i]! > 0) k++;
  return k;
}
