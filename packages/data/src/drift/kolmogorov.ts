import { logBinomial, logGamma } from "./special.js";

/**
 * The survival function of the two-sided one-sample Kolmogorov–Smirnov statistic for n points,
 * P(D_n ≥ d): scipy.stats.kstwo.sf, which ks_2samp's asymptotic mode evaluates at n = m·n/(m+n).
 * The region rules are Simard & L'Ecuyer's (2011) as scipy applies them, because two of them
 * are approximations (2·Smirnov in the upper tail, Pelz–Good for large n) whose values must be
 * reproduced, not improved on; the exact regions use the Durbin matrix (Marsaglia, Tsang & Wang
 * 2003), exact wherever scipy is exact.
 */
export function kolmogorovSf(n: number, d: number): number {
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n ≤ d) = n!/n^n (2t − 1)^n for 1/(2n) ≤ d ≤ 1/n.
    if (t <= 0.5) return 1;
    return clip(1 - Math.exp(logGamma(n + 1) - n * Math.log(n) + n * Math.log(2 * t - 1)));
  }
  if (t >= n - 1) return clip(2 * (1 - d) ** n);
  if (d >= 0.5) return clip(2 * smirnovSf(n, d));
  const nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 4) return clip(1 - durbinCdf(n, d));
    return clip(2 * smirnovSf(n, d));
  }
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return clip(2 * smirnovSf(n, d));
  const cdf = n <= 100_000 && n * d ** 1.5 <= 1.4 ? durbinCdf(n, d) : pelzGoodCdf(n, d);
  return clip(1 - cdf);
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/**
 * The one-sided statistic's exact tail, P(D⁺_n ≥ d), by the Birnbaum–Tingey sum
 * d · Σ_{j ≤ n(1−d)} C(n,j) (1 − d − j/n)^{n−j} (d + j/n)^{j−1}; every term is positive, so the
 * sum is stable when each term is formed in logs.
 */
export function smirnovSf(n: number, d: number): number {
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const last = Math.floor(n * (1 - d));
  let sum = 0;
  for (let j = 0; j <= last; j++) {
    const below = (n - j - n * d) / n;
    if (below <= 0) continue;
    const above = d + j / n;
    sum += Math.exp(logBinomial(n, j) + (n - j) * Math.log(below) + (j - 1) * Math.log(above));
  }
  return clip(d * sum);
}

const SCALE_EXPONENT = 128;
const SCALE_UP = 2 ** SCALE_EXPONENT;
const SCALE_DOWN = 2 ** -SCALE_EXPONENT;

type Matrix = Float64Array;

function multiply(a: Matrix, b: Matrix, m: number): Matrix {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return out;
}

/**
 * P(D_n < d) by Durbin's matrix method: with k = ⌈nd⌉, h = k − nd and the (2k−1)² matrix H of
 * Marsaglia, Tsang & Wang, the probability is n!/nⁿ · (Hⁿ)_{kk}. Powers are taken by squaring;
 * the entries grow fast, so each product is rescaled by 2^±128 with the exponent kept apart.
 */
export function durbinCdf(n: number, d: number): number {
  const nd = n * d;
  if (d >= 1) return 1;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  }
  for (let i = 0; i < m; i++) {
    H[i * m]! -= h ** (i + 1);
    H[(m - 1) * m + i]! -= h ** (m - i);
  }
  H[(m - 1) * m]! += 2 * h - 1 > 0 ? (2 * h - 1) ** m : 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const span = i - j + 1;
      if (span > 0) {
        let factorial = 1;
        for (let g = 2; g <= span; g++) factorial *= g;
        H[i * m + j]! /= factorial;
      }
    }
  }
  const centre = (k - 1) * m + (k - 1);
  let power: Matrix | undefined;
  let powerExponent = 0;
  let base: Matrix = H;
  let baseExponent = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      power = power ? multiply(power, base, m) : base;
      powerExponent += baseExponent;
      if (Math.abs(power[centre]!) > SCALE_UP) {
        power = power.map((v) => v * SCALE_DOWN);
        powerExponent += SCALE_EXPONENT;
      }
    }
    if (e > 1) {
      base = multiply(base, base, m);
      baseExponent *= 2;
      if (Math.abs(base[centre]!) > SCALE_UP) {
        base = base.map((v) => v * SCALE_DOWN);
        baseExponent += SCALE_EXPONENT;
      }
    }
  }
  let p = power![centre]!;
  let exponent = powerExponent;
  // Multiply by n!/nⁿ one factor at a time, rescaling before it underflows.
  for (let i = 1; i <= n; i++) {
    p = (p * i) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= SCALE_EXPONENT;
    }
  }
  return clip(p * 2 ** exponent);
}

/**
 * Pelz & Good's (1976) approximation of P(D_n ≤ d) for large n: the Li-Chien/Korolyuk expansion
 * K0 + K1/√n + K2/n + K3/n^{3/2} in z = d√n, each K rewritten through Jacobi's theta identity
 * as fast-converging sums over odd m of exp(−m²π²/(8z²)).
 */
export function pelzGoodCdf(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const z = Math.sqrt(n) * d;
  const z2 = z * z;
  const pi2 = Math.PI ** 2;
  if (-pi2 / 8 / z2 < -708) return 0;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const z8 = z4 * z4;
  const terms = Math.ceil((16 * z) / Math.PI);
  const k = [0, 0, 0, 0];
  for (let i = 1; i <= terms; i++) {
    const m2 = (2 * i - 1) ** 2;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const e = Math.exp((-m2 * pi2) / (8 * z2));
    k[0]! += e;
    k[1]! += ((pi2 * m2) / 4 - z2) * e;
    k[2]! +=
      (6 * z6 + 2 * z4 + ((2 * z4 - 5 * z2) * pi2 * m2) / 4 + (pi2 * pi2 * (1 - 2 * z2) * m4) / 16) * e;
    k[3]! +=
      (-30 * z6 -
        90 * z8 +
        (pi2 * (135 * z4 - 96 * z6) * m2) / 4 +
        (pi2 * pi2 * (212 * z4 - 60 * z2) * m4) / 16 +
        (pi2 * pi2 * pi2 * (5 - 30 * z2) * m6) / 64) *
      e;
  }
  const root2pi = Math.sqrt(2 * Math.PI);
  let k2extra = 0;
  let k3extra = 0;
  for (let i = 1; i <= terms; i++) {
    const i2 = i * i;
    const e = Math.exp((-pi2 * i2) / (2 * z2));
    k2extra += i2 * e;
    k3extra += (3 * z2 - pi2 * i2) * i2 * e;
  }
  const K0 = (root2pi / z) * k[0]!;
  const K1 = (root2pi / (6 * z4)) * k[1]!;
  const K2 = (root2pi / (72 * z ** 7)) * k[2]! - ((pi2 * root2pi) / (36 * z2 * z)) * k2extra;
  const K3 = (root2pi / (6480 * z ** 10)) * k[3]! + ((pi2 * root2pi) / (216 * z6)) * k3extra;
  return K0 + K1 / Math.sqrt(n) + K2 / n + K3 / n ** 1.5;
}
