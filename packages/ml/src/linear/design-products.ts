/**
 * Products with a design matrix that never expand its one-hot blocks: a block contributes one
 * coefficient per row to X·w and one addition per row to Xᵀ·r.
 */
import type { DesignMatrix } from "../data/design-matrix.js";

/** out[i] = intercept + x_i · coef (coef has nFeatures entries). */
export function linearPredictor(
  design: DesignMatrix,
  coef: Float64Array,
  intercept: number,
  out: Float64Array,
): Float64Array {
  const { nRows, nDense, dense } = design;
  for (let i = 0; i < nRows; i++) {
    let s = intercept;
    const row = i * nDense;
    for (let j = 0; j < nDense; j++) s += dense[row + j]! * coef[j]!;
    out[i] = s;
  }
  for (const b of design.blocks) {
    const { codes, offset } = b;
    for (let i = 0; i < nRows; i++) if (codes[i]! >= 0) out[i]! += coef[offset + codes[i]!]!;
  }
  return out;
}

/** grad[j] += Σ_i r_i x_ij. */
export function addTransposeProduct(design: DesignMatrix, r: Float64Array, grad: Float64Array): void {
  const { nRows, nDense, dense } = design;
  for (let i = 0; i < nRows; i++) {
    const ri = r[i]!;
    if (ri === 0) continue;
    const row = i * nDense;
    for (let j = 0; j < nDense; j++) grad[j]! += ri * dense[row + j]!;
  }
  for (const b of design.blocks) {
    const { codes, offset } = b;
    for (let i = 0; i < nRows; i++) if (codes[i]! >= 0) grad[offset + codes[i]!]! += r[i]!;
  }
}

/**
 * K outputs at once: out (nRows × K, row-major) = X · Wᵀ + b, with W K × nFeatures row-major
 * (scikit-learn's `coef_` layout). Four classes share each pass over a row: independent
 * accumulators instead of one add chain roughly halve the time.
 */
export function linearPredictorMulti(
  design: DesignMatrix,
  weights: Float64Array,
  intercepts: Float64Array,
  out: Float64Array,
): Float64Array {
  const { nRows, nDense: d, dense, nFeatures: p } = design;
  const k = intercepts.length;
  for (let i = 0; i < nRows; i++) {
    const row = i * d;
    const o = i * k;
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const w0 = c * p;
      const w1 = w0 + p;
      const w2 = w1 + p;
      const w3 = w2 + p;
      let s0 = intercepts[c]!;
      let s1 = intercepts[c + 1]!;
      let s2 = intercepts[c + 2]!;
      let s3 = intercepts[c + 3]!;
      for (let j = 0; j < d; j++) {
        const x = dense[row + j]!;
        s0 += x * weights[w0 + j]!;
        s1 += x * weights[w1 + j]!;
        s2 += x * weights[w2 + j]!;
        s3 += x * weights[w3 + j]!;
      }
      out[o + c] = s0;
      out[o + c + 1] = s1;
      out[o + c + 2] = s2;
      out[o + c + 3] = s3;
    }
    for (; c < k; c++) {
      let s = intercepts[c]!;
      const w = c * p;
      for (let j = 0; j < d; j++) s += dense[row + j]! * weights[w + j]!;
      out[o + c] = s;
    }
  }
  for (const b of design.blocks) {
    const { codes, offset } = b;
    for (let i = 0; i < nRows; i++) {
      const code = codes[i]!;
      if (code < 0) continue;
      for (let c = 0; c < k; c++) out[i * k + c]! += weights[c * p + offset + code]!;
    }
  }
  return out;
}

/**
 * grad (K × nFeatures) += Rᵀ · X for residuals R (nRows × K). Four rows are folded into each
 * gradient update, so each gradient entry is loaded and stored a quarter as often.
 */
export function addTransposeProductMulti(
  design: DesignMatrix,
  residuals: Float64Array,
  k: number,
  grad: Float64Array,
): void {
  const { nRows, nDense: d, dense, nFeatures: p } = design;
  let i = 0;
  for (; i + 3 < nRows; i += 4) {
    const x0 = i * d;
    const x1 = x0 + d;
    const x2 = x1 + d;
    const x3 = x2 + d;
    const o = i * k;
    for (let c = 0; c < k; c++) {
      const r0 = residuals[o + c]!;
      const r1 = residuals[o + k + c]!;
      const r2 = residuals[o + 2 * k + c]!;
      const r3 = residuals[o + 3 * k + c]!;
      const g = c * p;
      for (let j = 0; j < d; j++) {
        grad[g + j]! += r0 * dense[x0 + j]! + r1 * dense[x1 + j]! + r2 * dense[x2 + j]! + r3 * dense[x3 + j]!;
      }
    }
  }
  for (; i < nRows; i++) {
    const row = i * d;
    for (let c = 0; c < k; c++) {
      const r = residuals[i * k + c]!;
      const g = c * p;
      for (let j = 0; j < d; j++) grad[g + j]! += r * dense[row + j]!;
    }
  }
  for (const b of design.blocks) {
    const { codes, offset } = b;
    for (let r = 0; r < nRows; r++) {
      const code = codes[r]!;
      if (code < 0) continue;
      for (let c = 0; c < k; c++) grad[c * p + offset + code]! += residuals[r * k + c]!;
    }
  }
}

export interface CenteredGram {
  /** Column means of X (block columns: level frequencies). */
  readonly mean: Float64Array;
  /** (X − 1·meanᵀ)ᵀ (X − 1·meanᵀ), nFeatures × nFeatures, row-major, both triangles filled. */
  readonly gram: Float64Array;
}

/**
 * The centered Gram matrix, built from sums that stay exact for the one-hot part: centering a
 * dense column makes it sum to zero, so its cross term with an indicator is a plain sum over the
 * rows of that level, and indicator × indicator terms are counts minus n·p_k·p_l.
 */
/** With `center` false: the plain XᵀX and a zero mean (no intercept). */
export function centeredGram(design: DesignMatrix, center = true): CenteredGram {
  const { nRows: n, nDense, nFeatures: p, blocks } = design;
  const mean = new Float64Array(p);
  const centered = center ? centeredDense(design, mean) : design.dense;
  const gram = new Float64Array(p * p);

  for (let i = 0; i < n; i++) {
    const row = i * nDense;
    for (let a = 0; a < nDense; a++) {
      const xa = centered[row + a]!;
      const g = a * p;
      for (let b = a; b < nDense; b++) gram[g + b]! += xa * centered[row + b]!;
    }
  }
  for (const block of blocks) {
    const counts = new Float64Array(block.levels.length);
    for (let i = 0; i < n; i++) {
      const code = block.codes[i]!;
      if (code < 0) continue;
      counts[code]!++;
      const col = block.offset + code;
      const row = i * nDense;
      for (let a = 0; a < nDense; a++) gram[a * p + col]! += centered[row + a]!;
    }
    if (center) for (let k = 0; k < counts.length; k++) mean[block.offset + k] = counts[k]! / n;
  }
  // Indicator × indicator: co-occurrence counts (diagonal = level counts), then the centering term.
  for (let bi = 0; bi < blocks.length; bi++) {
    const a = blocks[bi]!;
    for (let i = 0; i < n; i++) if (a.codes[i]! >= 0) gram[(a.offset + a.codes[i]!) * (p + 1)]!++;
    for (let bj = bi + 1; bj < blocks.length; bj++) {
      const b = blocks[bj]!;
      for (let i = 0; i < n; i++) {
        const ca = a.codes[i]!;
        const cb = b.codes[i]!;
        if (ca >= 0 && cb >= 0) gram[(a.offset + ca) * p + b.offset + cb]!++;
      }
    }
  }
  for (let r = nDense; r < p; r++) {
    for (let c = r; c < p; c++) gram[r * p + c]! -= n * mean[r]! * mean[c]!;
  }
  for (let r = 0; r < p; r++) for (let c = 0; c < r; c++) gram[r * p + c] = gram[c * p + r]!;
  return { mean, gram };
}

/** Xcᵀ (y − ȳ) with Xc the centered design; `mean` from centeredGram. */
export function centeredCrossProduct(design: DesignMatrix, y: Float64Array, yMean: number): Float64Array {
  const { nRows: n, nDense, dense, nFeatures: p } = design;
  const out = new Float64Array(p);
  // Σ (x_ij − x̄_j)(y_i − ȳ) = Σ x_ij (y_i − ȳ): centering y alone is enough.
  for (let i = 0; i < n; i++) {
    const r = y[i]! - yMean;
    const row = i * nDense;
    for (let j = 0; j < nDense; j++) out[j]! += r * dense[row + j]!;
  }
  for (const b of design.blocks) {
    for (let i = 0; i < n; i++) if (b.codes[i]! >= 0) out[b.offset + b.codes[i]!]! += y[i]! - yMean;
  }
  return out;
}

function centeredDense(design: DesignMatrix, mean: Float64Array): Float64Array {
  const { nRows: n, nDense, dense } = design;
  for (let i = 0; i < n; i++) for (let j = 0; j < nDense; j++) mean[j]! += dense[i * nDense + j]!;
  for (let j = 0; j < nDense; j++) mean[j]! /= n;
  const centered = new Float64Array(dense.length);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < nDense; j++) centered[i * nDense + j] = dense[i * nDense + j]! - mean[j]!;
  return centered;
}
