/**
 * The CART grower's inner loops, as free functions over typed arrays.
 *
 * They are kept out of the grower class on purpose: monomorphic, never compiled together with the
 * other task's branch, and ending right after their loop. V8 compiles a long-running loop on the
 * stack (OSR) before the code after it has ever run, and reuses that code on later calls: an operation
 * after the loop without type feedback then deoptimised the function at the end of every large node.
 */

/** Per-bin weighted class counts of the rows; returns how many distinct bins were touched. */
export function accumulateClasses(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  classes: Int32Array,
  stride: number,
  hist: Float64Array,
  rowCount: Float64Array,
  touched: Int32Array,
): number {
  let nTouched = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = bins[base + r]!;
    if (rowCount[b] === 0) touched[nTouched++] = b;
    rowCount[b]!++;
    hist[b * stride + classes[r]!]! += weights[r]!;
  }
  return nTouched;
}

/** Per-bin (Σw, Σw·y) of the rows; returns how many distinct bins were touched. */
export function accumulateRegression(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  y: Float64Array,
  hist: Float64Array,
  rowCount: Float64Array,
  touched: Int32Array,
): number {
  let nTouched = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = bins[base + r]!;
    if (rowCount[b] === 0) touched[nTouched++] = b;
    rowCount[b]!++;
    const w = weights[r]!;
    hist[2 * b]! += w;
    hist[2 * b + 1]! += w * y[r]!;
  }
  return nTouched;
}

export function accumulateClassesDense(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  classes: Int32Array,
  stride: number,
  hist: Float64Array,
  rowCount: Float64Array,
): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = bins[base + r]!;
    rowCount[b]!++;
    hist[b * stride + classes[r]!]! += weights[r]!;
  }
}

export function accumulateRegressionDense(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  y: Float64Array,
  hist: Float64Array,
  rowCount: Float64Array,
): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = bins[base + r]!;
    rowCount[b]!++;
    const w = weights[r]!;
    hist[2 * b]! += w;
    hist[2 * b + 1]! += w * y[r]!;
  }
}

export function clearTouched(
  touched: Int32Array,
  nTouched: number,
  stride: number,
  hist: Float64Array,
  rowCount: Float64Array,
): void {
  for (let t = 0; t < nTouched; t++) {
    const b = touched[t]!;
    rowCount[b] = 0;
    for (let s = b * stride, stop = s + stride; s < stop; s++) hist[s] = 0;
  }
}

/** Adds the node rows' weights per class into `node` (zeroed by the caller). */
export function classNodeStats(
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  classes: Int32Array,
  node: Float64Array,
): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    node[classes[r]!]! += weights[r]!;
  }
}

/** (Σw, Σw·y) of the node's rows into `node`; returns whether all targets are equal. */
export function regressionNodeStats(
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  y: Float64Array,
  node: Float64Array,
): boolean {
  const first = y[rows[start]!]!;
  let constant = true;
  let total = 0;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const w = weights[r]!;
    const v = y[r]!;
    total += w;
    sum += w * v;
    if (v !== first) constant = false;
  }
  node[0] = total;
  node[1] = sum;
  return constant;
}
