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
  reference: readonly number[],
  current: readonly number[],
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
export function zTest(reference: readonly number[], current: readonly number[]): Required<TestOutcome> {
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
export function jensenShannon(reference: readonly number[], current: readonly number[]): TestOutcome {
  const nRef = sum(reference);
  const nCur = sum(current);
  const r = reference.map((c) => c / nRef);
  const c = current.map((v) => v / nCur);
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

/** Wasserstein-1 distance in reference standard deviations (population std, floored at 0.001). */
export function normedWasserstein(distance: number, referenceStd: number): TestOutcome {
  return { statistic: distance / Math.max(referenceStd, 0.001) };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
