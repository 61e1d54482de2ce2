/** Dense symmetric positive (semi-)definite solves on row-major Float64Array matrices. */

/** Overwrites the lower triangle of A (n × n) with L, A = L·Lᵀ. Throws if A is not positive definite. */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0)) throw new Error(`Matrix is not positive definite (pivot ${j} = ${d})`);
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
  }
}

/** Solves L·Lᵀ x = b with L from choleskyInPlace (leading m × m part when m < n); b is overwritten. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, m = n): Float64Array {
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

export interface PivotedCholesky {
  /** Lower-triangular factor of P·A·Pᵀ, row-major n × n; only the first `rank` columns are meaningful. */
  readonly factor: Float64Array;
  /** perm[i] = the original index of pivot i. */
  readonly perm: Int32Array;
  readonly rank: number;
}

/**
 * Cholesky with diagonal pivoting (LAPACK dpstrf's strategy): at each step take the column with the
 * largest remaining diagonal and stop when it falls to `tolerance` × the largest initial diagonal.
 * The remaining columns are linear combinations of the chosen ones (to that tolerance).
 */
export function pivotedCholesky(matrix: Float64Array, n: number, tolerance: number): PivotedCholesky {
  const a = matrix.slice();
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  // The diagonal of the remaining Schur complement, updated as each column of L is formed.
  const diag = new Float64Array(n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    diag[i] = a[i * n + i]!;
    maxDiag = Math.max(maxDiag, diag[i]!);
  }
  const stop = tolerance * maxDiag;
  let rank = 0;
  for (let j = 0; j < n; j++) {
    let best = j;
    for (let i = j + 1; i < n; i++) if (diag[i]! > diag[best]!) best = i;
    const pivot = diag[best]!;
    if (!(pivot > stop)) break;
    swapSymmetric(a, n, j, best);
    swap(diag, j, best);
    [perm[j], perm[best]] = [perm[best]!, perm[j]!];
    const ljj = Math.sqrt(pivot);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      const lij = s / ljj;
      a[i * n + j] = lij;
      diag[i]! -= lij * lij;
    }
    rank++;
  }
  return { factor: a, perm, rank };
}

/** Swaps rows and columns i and j of a symmetric matrix stored in full (lower triangle used). */
function swapSymmetric(a: Float64Array, n: number, i: number, j: number): void {
  if (i === j) return;
  for (let k = 0; k < n; k++) swap(a, i * n + k, j * n + k);
  for (let k = 0; k < n; k++) swap(a, k * n + i, k * n + j);
}

function swap(a: Float64Array, p: number, q: number): void {
  const t = a[p]!;
  a[p] = a[q]!;
  a[q] = t;
}
