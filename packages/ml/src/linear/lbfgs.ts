/**
 * Unconstrained L-BFGS with scipy L-BFGS-B's stopping rules, which are scikit-learn's `lbfgs`
 * solver's: stop when max_i |g_i| ≤ gtol (the projected gradient, with no bounds), when the
 * relative decrease (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol, or after maxIter iterations.
 */
import { LBFGSB_LINE_SEARCH, MoreThuenteSearch } from "./line-search.js";

/** Returns f(x) and writes ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  readonly maxIter?: number;
  /** Tolerance on the largest absolute gradient component (scipy `gtol`, scikit-learn `tol`). */
  readonly gtol?: number;
  /** Relative-decrease tolerance (scipy's default `ftol` = 2.22e-9, i.e. factr 1e7). */
  readonly ftol?: number;
  /** Correction pairs kept (scipy `maxcor`). */
  readonly memory?: number;
  /** Function evaluations per line search (scipy `maxls`). */
  readonly maxLineSearch?: number;
}

export type LbfgsStop = "gradient" | "relative-decrease" | "max-iter" | "line-search-failed";

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly stop: LbfgsStop;
  readonly converged: boolean;
}

export function minimizeLbfgs(
  objective: Objective,
  x0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const maxIter = options.maxIter ?? 15000;
  const gtol = options.gtol ?? 1e-5;
  const ftol = options.ftol ?? 2.220446049250313e-9;
  const m = options.memory ?? 10;
  const maxLs = options.maxLineSearch ?? 20;
  const n = x0.length;

  let x = x0.slice();
  let g = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  const history = new CorrectionHistory(n, m);
  const d = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;

  const done = (stop: LbfgsStop): LbfgsResult => ({
    x,
    f,
    iterations,
    evaluations,
    stop,
    converged: stop === "gradient" || stop === "relative-decrease",
  });

  if (maxAbs(g) <= gtol) return done("gradient");
  for (;;) {
    if (iterations >= maxIter) return done("max-iter");
    history.direction(g, d);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Curvature information went stale (rounding): restart from steepest descent.
      history.clear();
      history.direction(g, d);
      slope = dot(g, d);
    }
    // scipy's first step is 1/‖d‖ (no curvature known yet), then the quasi-Newton step 1.
    const firstStep = history.size === 0 ? Math.min(1 / norm(d), LBFGSB_LINE_SEARCH.stpmax) : 1;
    const search = new MoreThuenteSearch(f, slope, firstStep);
    let accepted = false;
    let fNew = f;
    for (let trial = 0; trial < maxLs; trial++) {
      const step = search.step;
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      fNew = objective(xNew, gNew);
      evaluations++;
      if (search.next(fNew, dot(gNew, d)) !== "continue") {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      if (history.size === 0) return done("line-search-failed");
      history.clear(); // as L-BFGS-B: drop the memory and retry once from steepest descent
      continue;
    }
    iterations++;
    history.push(x, xNew, g, gNew);
    const fOld = f;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    if (maxAbs(g) <= gtol) return done("gradient");
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) return done("relative-decrease");
  }
}

/** The last m pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k, in ring buffers, and the two-loop recursion. */
class CorrectionHistory {
  private readonly s: Float64Array[];
  private readonly y: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private start = 0;
  size = 0;

  constructor(
    private readonly n: number,
    private readonly m: number,
  ) {
    this.s = Array.from({ length: m }, () => new Float64Array(n));
    this.y = Array.from({ length: m }, () => new Float64Array(n));
    this.rho = new Float64Array(m);
    this.alpha = new Float64Array(m);
  }

  clear(): void {
    this.size = 0;
    this.start = 0;
  }

  push(x: Float64Array, xNew: Float64Array, g: Float64Array, gNew: Float64Array): void {
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < this.n; i++) {
      const si = xNew[i]! - x[i]!;
      const yi = gNew[i]! - g[i]!;
      sy += si * yi;
      yy += yi * yi;
    }
    // L-BFGS-B skips pairs without enough positive curvature; keeping them would break positivity.
    if (!(sy > 2.220446049250313e-16 * yy)) return;
    const slot = (this.start + this.size) % this.m;
    const s = this.s[slot]!;
    const y = this.y[slot]!;
    for (let i = 0; i < this.n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    this.rho[slot] = 1 / sy;
    if (this.size < this.m) this.size++;
    else this.start = (this.start + 1) % this.m;
  }

  /** d = −H·g with H the L-BFGS inverse-Hessian estimate (H0 = sᵀy/yᵀy of the newest pair). */
  direction(g: Float64Array, d: Float64Array): void {
    const { n, m } = this;
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let k = this.size - 1; k >= 0; k--) {
      const slot = (this.start + k) % m;
      const a = this.rho[slot]! * dot(this.s[slot]!, d);
      this.alpha[slot] = a;
      axpy(-a, this.y[slot]!, d);
    }
    if (this.size > 0) {
      const newest = (this.start + this.size - 1) % m;
      const y = this.y[newest]!;
      const gamma = 1 / (this.rho[newest]! * dot(y, y));
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    }
    for (let k = 0; k < this.size; k++) {
      const slot = (this.start + k) % m;
      const b = this.rho[slot]! * dot(this.y[slot]!, d);
      axpy(this.alpha[slot]! - b, this.s[slot]!, d);
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
