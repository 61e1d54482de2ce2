import { chiSquareSf, normalCdf } from "./special.js";

/**
 * The statistics of Evidently's default drift tests, from value counts, each computed as scipy
 * computes it so p-values and distances match (the tests compare them with 1e-9).
 */

export interface TestOutcome {
  statistic: number;
  pValue?: number;
}

/**
 * Pearson's χ² of the current counts against the reference counts scaled to the current size
 * (Evidently's chi_stat_test over scipy.stats.chisquare): a category the reference never had
 * expects 0, so χ² = ∞ and p = 0 — such a column always drifts, as in Evidently.
 */
export function chiSquareTest(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): Required<TestOutcome> {
  const nRef = sum(reference);
  const nCur = sum(current);
  const scale = nCur / nRef;
  let statistic = 0;
  for (let i = 0; i < reference.length; i++) {
    const expected = reference[i]! * scale;
    statistic += (current[i]! - expected) ** 2 / expected;
  }
  return { statistic, pValue: chiSquareSf(statistic, reference.length - 1) };
}

/**
 * Two-proportion z-test (Evidently's z_stat_test): each value is coded 0 for the first category
 * and 1 otherwise; the pooled share gives the standard error, p = 2(1 − Φ(|z|)). One value shared
 * by both samples gives p = 1.
 */
export function zTest(reference: ArrayLike<number>, current: ArrayLike<number>): Required<TestOutcome> {
  if (reference.length < 2) return { statistic: 0, pValue: 1 };
  const n1 = sum(reference);
  const n2 = sum(current);
  const p1 = (n1 - reference[0]!) / n1;
  const p2 = (n2 - current[0]!) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

/**
 * Jensen–Shannon distance with natural logarithms (scipy.spatial.distance.jensenshannon): both
 * share vectors are normalised, m is their mean, and the distance is √((KL(p‖m) + KL(q‖m))/2).
 */
export function jensenShannon(reference: ArrayLike<number>, current: ArrayLike<number>): TestOutcome {
  const nRef = sum(reference);
  const nCur = sum(current);
  const r = Array.from(reference, (c) => c / nRef);
  const c = Array.from(current, (v) => v / nCur);
  const rSum = sum(r);
  const cSum = sum(c);
  const p = r.map((v) => v / rSum);
  const q = c.map((v) => v / cSum);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    left += relativeEntropy(p[i]!, m);
    right += relativeEntropy(q[i]!, m);
  }
  return { statistic: Math.sqrt((left + right) / 2) };
}

function relativeEntropy(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

/**
 * Population stability index over two share vectors whose empty bins were already filled
 * (`fillEmptyBins`): Σ (r − c)·ln(r / c), natural log, as Evidently's psi_stat_test.
 */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

/**
 * Kullback–Leibler divergence KL(reference ‖ current) with natural logs, as scipy.stats.entropy
 * computes it (Evidently's kl_div_stat_test): both vectors are first renormalised to sum to 1.
 * Callers fill empty bins first, so no term divides by zero.
 */
export function klDivergence(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const rSum = sum(reference);
  const cSum = sum(current);
  let kl = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / rSum;
    const q = current[i]! / cSum;
    kl += relativeEntropy(p, q);
  }
  return kl;
}

/** Wasserstein-1 distance in reference standard deviations (population std, floored at 0.001). */
export function normedWasserstein(distance: number, referenceStd: number): TestOutcome {
  return { statistic: distance / Math.max(referenceStd, 0.001) };
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}
