import { kolmogorovSf } from "./kolmogorov.js";
import { roundHalfEven } from "./special.js";

/** scipy's ks_2samp, method "auto": exact while both samples have at most this many values. */
const MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The two-sided p-value of the two-sample Kolmogorov–Smirnov statistic `d` for samples of n1 and
 * n2 values, as scipy.stats.ks_2samp (method "auto") gives it: exact for samples up to 10,000,
 * else the finite-n Kolmogorov distribution at n = n1·n2/(n1+n2).
 */
export function ks2SamplePValue(n1: number, n2: number, d: number): number {
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    if (h === 0) return 1;
    const p = exactOutsideProbability(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) return p;
    return asymptotic(n1, n2, h / lcm);
  }
  return asymptotic(n1, n2, d);
}

function asymptotic(n1: number, n2: number, d: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  return Math.min(1, Math.max(0, kolmogorovSf(roundHalfEven((m * n) / (m + n)), d)));
}

/**
 * P(D ≥ h/lcm) exactly, by Hodges' lattice-path count: a sample order is a monotone path from
 * (0,0) to (m,n), and D ≥ h/lcm exactly when the path reaches a point with |x·n − y·m| ≥ h·g.
 * The recursion tracks, per point, the share of paths reaching it that have already been
 * outside (1 on the outside; the weighted mean x/(x+y), y/(x+y) of its two predecessors inside),
 * so it computes the p-value directly rather than 1 − (a value near 1) and never overflows.
 */
export function exactOutsideProbability(n1: number, n2: number, g: number, h: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const bound = h * g;
  const share = new Float64Array(n + 1);
  for (let y = 0; y <= n; y++) share[y] = Math.abs(y * m) >= bound ? 1 : 0;
  for (let x = 1; x <= m; x++) {
    const xn = x * n;
    for (let y = 0; y <= n; y++) {
      if (Math.abs(xn - y * m) >= bound) share[y] = 1;
      else share[y] = y === 0 ? share[0]! : (x * share[y]! + y * share[y - 1]!) / (x + y);
    }
  }
  return share[n]!;
}
