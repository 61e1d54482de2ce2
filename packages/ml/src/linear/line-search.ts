/**
 * Moré–Thuente line search (MINPACK-2 dcsrch/dcstep), the one inside scipy's L-BFGS-B, so the
 * optimiser takes the same kind of steps as scikit-learn's `lbfgs` solver. Finds a step satisfying
 * the strong Wolfe conditions f(s) ≤ f(0) + ftol·s·f'(0) and |f'(s)| ≤ gtol·|f'(0)|.
 */

export interface LineSearchSettings {
  readonly ftol: number;
  readonly gtol: number;
  readonly xtol: number;
  readonly stpmin: number;
  readonly stpmax: number;
}

/** scipy's L-BFGS-B values. */
export const LBFGSB_LINE_SEARCH: LineSearchSettings = {
  ftol: 1e-3,
  gtol: 0.9,
  xtol: 0.1,
  stpmin: 0,
  stpmax: 1e10,
};

export type LineSearchOutcome = "converged" | "warning" | "continue";

/**
 * The search as a state machine, driven by the caller (who owns the expensive evaluation):
 * `start` with f(0), f'(0) and a first step; then, after each evaluation at `step`, `next` says
 * whether to stop or moves `step` to the next trial.
 */
export class MoreThuenteSearch {
  step: number;
  private brackt = false;
  private stage = 1;
  private readonly finit: number;
  private readonly ginit: number;
  private readonly gtest: number;
  private width: number;
  private width1: number;
  private stx = 0;
  private fx: number;
  private gx: number;
  private sty = 0;
  private fy: number;
  private gy: number;
  private stmin = 0;
  private stmax: number;

  constructor(
    f0: number,
    g0: number,
    firstStep: number,
    private readonly s: LineSearchSettings = LBFGSB_LINE_SEARCH,
  ) {
    if (!(g0 < 0)) throw new Error("Line search: the direction is not a descent direction");
    this.step = firstStep;
    this.finit = f0;
    this.ginit = g0;
    this.gtest = s.ftol * g0;
    this.width = s.stpmax - s.stpmin;
    this.width1 = this.width / 0.5;
    this.fx = f0;
    this.gx = g0;
    this.fy = f0;
    this.gy = g0;
    this.stmax = firstStep + 4 * firstStep;
  }

  /** f and f' at the current `step`. */
  next(f: number, g: number): LineSearchOutcome {
    const { s } = this;
    let stp = this.step;
    const ftest = this.finit + stp * this.gtest;
    if (this.stage === 1 && f <= ftest && g >= 0) this.stage = 2;

    if (this.brackt && (stp <= this.stmin || stp >= this.stmax)) return "warning"; // rounding errors
    if (this.brackt && this.stmax - this.stmin <= s.xtol * this.stmax) return "warning"; // xtol
    if (stp === s.stpmax && f <= ftest && g <= this.gtest) return "warning";
    if (stp === s.stpmin && (f > ftest || g >= this.gtest)) return "warning";
    if (f <= ftest && Math.abs(g) <= s.gtol * -this.ginit) return "converged";

    if (this.stage === 1 && f <= this.fx && f > ftest) {
      // Work on the modified function ψ(s) = f(s) − f(0) − ftol·s·f'(0) until it has a minimiser.
      const step = dcstep(
        this.stx,
        this.fx - this.stx * this.gtest,
        this.gx - this.gtest,
        this.sty,
        this.fy - this.sty * this.gtest,
        this.gy - this.gtest,
        stp,
        f - stp * this.gtest,
        g - this.gtest,
        this.brackt,
        this.stmin,
        this.stmax,
      );
      this.adopt(step);
      this.fx = step.fx + this.stx * this.gtest;
      this.fy = step.fy + this.sty * this.gtest;
      this.gx = step.dx + this.gtest;
      this.gy = step.dy + this.gtest;
    } else {
      const step = dcstep(
        this.stx,
        this.fx,
        this.gx,
        this.sty,
        this.fy,
        this.gy,
        stp,
        f,
        g,
        this.brackt,
        this.stmin,
        this.stmax,
      );
      this.adopt(step);
      this.fx = step.fx;
      this.fy = step.fy;
      this.gx = step.dx;
      this.gy = step.dy;
    }
    stp = this.step;

    if (this.brackt) {
      // Bisect when the interval did not shrink enough.
      if (Math.abs(this.sty - this.stx) >= 0.66 * this.width1) stp = this.stx + 0.5 * (this.sty - this.stx);
      this.width1 = this.width;
      this.width = Math.abs(this.sty - this.stx);
      this.stmin = Math.min(this.stx, this.sty);
      this.stmax = Math.max(this.stx, this.sty);
    } else {
      this.stmin = stp + 1.1 * (stp - this.stx);
      this.stmax = stp + 4 * (stp - this.stx);
    }
    stp = Math.min(Math.max(stp, s.stpmin), s.stpmax);
    if (
      (this.brackt && (stp <= this.stmin || stp >= this.stmax)) ||
      (this.brackt && this.stmax - this.stmin <= s.xtol * this.stmax)
    ) {
      stp = this.stx;
    }
    this.step = stp;
    return "continue";
  }

  private adopt(step: StepResult): void {
    this.stx = step.stx;
    this.sty = step.sty;
    this.step = step.stp;
    this.brackt = step.brackt;
  }
}

interface StepResult {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  stp: number;
  brackt: boolean;
}

/** One safeguarded cubic/quadratic step of the interval of uncertainty (MINPACK-2 dcstep). */
function dcstep(
  stx: number,
  fx: number,
  dx: number,
  sty: number,
  fy: number,
  dy: number,
  stp: number,
  fp: number,
  dp: number,
  brackt: boolean,
  stpmin: number,
  stpmax: number,
): StepResult {
  const sgnd = dp * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // Higher function value: the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const stpc = stx + (p / q) * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    brackt = true;
  } else if (sgnd < 0) {
    // Derivatives of opposite sign: bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const stpc = stp + (p / q) * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Same sign, derivative magnitude decreases.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (brackt) {
    // Same sign, derivative does not decrease, bracketed: cubic step towards sty.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    stpf = stp + (p / q) * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }

  if (fp > fx) {
    sty = stp;
    fy = fp;
    dy = dp;
  } else {
    if (sgnd < 0) {
      sty = stx;
      fy = fx;
      dy = dx;
    }
    stx = stp;
    fx = fp;
    dx = dp;
  }
  return { stx, fx, dx, sty, fy, dy, stp: stpf, brackt };
}
