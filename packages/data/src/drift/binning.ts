import { countAt, type NumericSummary } from "./summary.js";

/**
 * Evidently's binning for PSI, KL and Jensen–Shannon (`get_binned_data`), restated exactly:
 *
 * - a numerical column whose reference has more than 20 distinct values is cut into equal-width
 *   bins over the union of reference and current: numpy's `histogram_bin_edges(ref ∪ cur,
 *   bins="sturges")`, i.e. ⌈ptp / (ptp / (log₂ N + 1))⌉ bins for N = n_ref + n_cur values
 *   (22 bins for 2,000,000 values), edges `linspace(min, max, bins + 1)`; each side is then
 *   counted with `numpy.histogram` against those edges (bins closed on the left, the last one on
 *   both sides);
 * - any other column (categorical, or numerical with ≤ 20 reference values) gets one bin per
 *   distinct value of reference ∪ current.
 *
 * PSI and KL then replace empty bins (`fillEmptyBins`); Jensen–Shannon does not need to.
 */
export const STURGES_MIN_REFERENCE_VALUES = 20;

/** numpy.histogram_bin_edges(a, "sturges") for data spanning [min, max] with `size` values. */
export function sturgesEdges(min: number, max: number, size: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const ptp = max - min;
  const width = ptp / (Math.log2(size) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, bins + 1);
}

/** numpy.linspace(start, stop, num) with endpoint: i·step + start, the last edge exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * numpy.histogram(values, edges) over a summary: counts of e_i ≤ v < e_{i+1}, the last bin also
 * taking v = e_last; values outside the edges are not counted. One walk over the sorted values.
 */
export function histogramCounts(summary: NumericSummary, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const out = new Float64Array(bins);
  const values = summary.values;
  if (summary.counts === undefined) {
    // Every value once: a bin's count is a difference of positions, found by binary search.
    let from = lowerBound(values, edges[0]!);
    for (let b = 0; b < bins; b++) {
      const to = b === bins - 1 ? upperBound(values, edges[bins]!) : lowerBound(values, edges[b + 1]!);
      out[b] = Math.max(0, to - from);
      from = to;
    }
    return out;
  }
  let b = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < edges[0]! || v > edges[bins]!) continue;
    while (b < bins - 1 && v >= edges[b + 1]!) b++;
    out[b]! += countAt(summary, i);
  }
  return out;
}

/** The first position whose value is ≥ x (numpy's searchsorted, side "left"). */
function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position whose value is > x (side "right"). */
function upperBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Evidently's empty-bin rule for PSI and KL, applied to each side's share vector on its own: every
 * zero becomes m/10⁶ when the smallest non-zero share m is ≤ 10⁻⁴, else 10⁻⁴. Nothing is
 * renormalised afterwards (KL's scipy `entropy` renormalises by itself).
 */
export function fillEmptyBins(shares: Float64Array): Float64Array {
  let smallest = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s !== 0 && s < smallest) smallest = s;
  if (!Number.isFinite(smallest)) return shares;
  const fill = smallest <= EMPTY_BIN_SHARE ? smallest / 1e6 : EMPTY_BIN_SHARE;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** The share an empty bin gets when no bin is smaller than it (Evidently's 0.0001). */
export const EMPTY_BIN_SHARE = 1e-4;
