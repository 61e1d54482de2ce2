/**
 * The Parzen estimators of TPE (Bergstra et al. 2011, as hyperopt implements them).
 *
 * Numeric parameters: a mixture of Gaussians truncated to the parameter's range, one per observed
 * value plus one wide prior component at the centre of the range. Each bandwidth adapts to the
 * neighbourhood: the larger of the gaps to the neighbouring means, clipped to
 * [range / min(100, 1 + n), range], so dense regions get narrow kernels and isolated points wide
 * ones. Categorical parameters: observed counts plus a prior pseudo-count per choice.
 */
import type { Random } from "../split/random.js";
import { gaussian } from "./random-draws.js";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Floor for probabilities before the logarithm: a candidate far in both tails still gets a finite score. */
const TINY = 1e-300;

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

export class TruncatedGaussianMixture {
  /** Probability mass of each component inside [low, high]. */
  private readonly mass: Float64Array;
  private readonly cumulative: Float64Array;

  constructor(
    readonly means: Float64Array,
    readonly sigmas: Float64Array,
    /** Sum to 1. */
    readonly weights: Float64Array,
    readonly low: number,
    readonly high: number,
  ) {
    const k = means.length;
    this.mass = new Float64Array(k);
    this.cumulative = new Float64Array(k);
    let running = 0;
    for (let i = 0; i < k; i++) {
      const s = sigmas[i]!;
      this.mass[i] = Math.max(TINY, normalCdf((high - means[i]!) / s) - normalCdf((low - means[i]!) / s));
      running += weights[i]!;
      this.cumulative[i] = running;
    }
  }

  /**
   * hyperopt's adaptive Parzen estimator over `observations` (values inside [low, high]), with the
   * prior N((low + high)/2, high − low) of weight `priorWeight` (the observations weigh 1 each).
   */
  static adaptive(
    observations: readonly number[],
    low: number,
    high: number,
    priorWeight = 1,
  ): TruncatedGaussianMixture {
    const priorMean = (low + high) / 2;
    const priorSigma = high - low;
    const points = [...observations.map((x) => ({ x, prior: false })), { x: priorMean, prior: true }].sort(
      (a, b) => a.x - b.x,
    );
    const n = points.length;
    const minSigma = priorSigma / Math.min(100, 1 + n);
    const means = new Float64Array(n);
    const sigmas = new Float64Array(n);
    const weights = new Float64Array(n);
    let total = 0;
    points.forEach((p, i) => {
      means[i] = p.x;
      const left = i > 0 ? p.x - points[i - 1]!.x : Number.NEGATIVE_INFINITY;
      const right = i < n - 1 ? points[i + 1]!.x - p.x : Number.NEGATIVE_INFINITY;
      const gap = n === 1 ? priorSigma : Math.max(left, right);
      sigmas[i] = p.prior ? priorSigma : Math.min(priorSigma, Math.max(minSigma, gap));
      weights[i] = p.prior ? priorWeight : 1;
      total += weights[i]!;
    });
    for (let i = 0; i < n; i++) weights[i]! /= total;
    return new TruncatedGaussianMixture(means, sigmas, weights, low, high);
  }

  /** A draw: a component by weight, then its Gaussian until the draw falls inside the range. */
  sample(random: Random): number {
    const u = random();
    let i = 0;
    while (i < this.cumulative.length - 1 && u >= this.cumulative[i]!) i++;
    for (let attempt = 0; attempt < 100; attempt++) {
      const x = this.means[i]! + this.sigmas[i]! * gaussian(random);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, this.means[i]!));
  }

  /** log density at x (inside the range). */
  logPdf(x: number): number {
    let max = Number.NEGATIVE_INFINITY;
    const terms = new Float64Array(this.means.length);
    for (let i = 0; i < terms.length; i++) {
      const s = this.sigmas[i]!;
      const z = (x - this.means[i]!) / s;
      terms[i] = Math.log(this.weights[i]!) - Math.log(s * this.mass[i]!) - LOG_SQRT_2PI - 0.5 * z * z;
      if (terms[i]! > max) max = terms[i]!;
    }
    if (max === Number.NEGATIVE_INFINITY) return Math.log(TINY);
    let sum = 0;
    for (let i = 0; i < terms.length; i++) sum += Math.exp(terms[i]! - max);
    return max + Math.log(sum);
  }

  /** log of the probability of [a, b] (an integer's cell). */
  logMass(a: number, b: number): number {
    const lo = Math.max(a, this.low);
    const hi = Math.min(b, this.high);
    let p = 0;
    for (let i = 0; i < this.means.length; i++) {
      const s = this.sigmas[i]!;
      const inCell = normalCdf((hi - this.means[i]!) / s) - normalCdf((lo - this.means[i]!) / s);
      p += (this.weights[i]! * inCell) / this.mass[i]!;
    }
    return Math.log(Math.max(TINY, p));
  }
}

/** Choice probabilities from observed choice indices plus `priorWeight` pseudo-observations each. */
export function categoricalProbabilities(
  observed: readonly number[],
  choices: number,
  priorWeight = 1,
): Float64Array {
  const p = new Float64Array(choices).fill(priorWeight);
  for (const c of observed) p[c]!++;
  const total = observed.length + choices * priorWeight;
  for (let c = 0; c < choices; c++) p[c]! /= total;
  return p;
}

export function drawIndex(probabilities: Float64Array, random: Random): number {
  const u = random();
  let running = 0;
  for (let c = 0; c < probabilities.length - 1; c++) {
    running += probabilities[c]!;
    if (u < running) return c;
  }
  return probabilities.length - 1;
}
