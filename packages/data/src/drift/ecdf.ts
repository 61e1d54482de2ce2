import type { NumericSummary } from "./summary.js";

export interface EcdfComparison {
  /** Distinct values of reference and current together (what Evidently's test selection counts). */
  distinct: number;
  /** Two-sample KS statistic sup |F_ref − F_cur|, by scipy.stats.ks_2samp's rule. */
  ks: number;
  /** Wasserstein-1 distance ∫ |F_ref − F_cur| dx, as scipy.stats.wasserstein_distance. */
  wasserstein: number;
}

/**
 * One merge of two sorted summaries yields the union's distinct count, the KS statistic and the
 * Wasserstein distance together, so choosing the method and running it never walk the data twice.
 * At each distinct value v of the union both empirical CDFs are integer counts divided by n in
 * double precision, as numpy's searchsorted(…, "right") / n: D = max(max(F_r − F_c),
 * clip(−min(F_r − F_c), 0, 1)) and W₁ = Σ |F_r(v_k) − F_c(v_k)|·(v_{k+1} − v_k).
 */
export function compareEcdfs(reference: NumericSummary, current: NumericSummary): EcdfComparison {
  const rv = reference.values;
  const cv = current.values;
  const rc = reference.counts;
  const cc = current.counts;
  const nr = rv.length;
  const nc = cv.length;
  const rRows = reference.rows;
  const cRows = current.rows;
  let i = 0;
  let j = 0;
  let rCum = 0;
  let cCum = 0;
  let distinct = 0;
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  let previous = 0;
  let previousGap = 0;
  // The area is a compensated (Neumaier) sum, as accurate as numpy's pairwise sum.
  let area = 0;
  let carry = 0;
  while (i < nr || j < nc) {
    // The next value of the union, from one side or both (no sentinels: fewer branches).
    let v: number;
    if (j >= nc || (i < nr && rv[i]! < cv[j]!)) {
      v = rv[i]!;
      rCum += rc === undefined ? 1 : rc[i]!;
      i++;
    } else if (i >= nr || cv[j]! < rv[i]!) {
      v = cv[j]!;
      cCum += cc === undefined ? 1 : cc[j]!;
      j++;
    } else {
      v = rv[i]!;
      rCum += rc === undefined ? 1 : rc[i]!;
      cCum += cc === undefined ? 1 : cc[j]!;
      i++;
      j++;
    }
    if (distinct > 0) {
      const x = (previousGap < 0 ? -previousGap : previousGap) * (v - previous);
      const t = area + x;
      carry += area >= x ? area - t + x : x - t + area;
      area = t;
    }
    const gap = rCum / rRows - cCum / cRows;
    if (gap > hi) hi = gap;
    if (gap < lo) lo = gap;
    previous = v;
    previousGap = gap;
    distinct++;
  }
  const below = Math.min(1, Math.max(0, -lo));
  return { distinct, ks: below > hi ? below : hi, wasserstein: area + carry };
}
