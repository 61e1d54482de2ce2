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

/** Where `giniScanByRows` reports an improving split: [proxy, split bin, left rows]. */
export const SCAN_PROXY = 0;
export const SCAN_BIN = 1;
export const SCAN_LEFT_ROWS = 2;

/**
 * Gini split scan of a small node, row by row, for a feature without missing values: the node's rows
 * are counting-sorted by bin, then swept once while Σ l_k² and Σ r_k² are updated per row
 * (l_k → l_k + w adds w(2 l_k + w)), so each candidate costs O(1) instead of O(classes). With
 * integer weights (bootstrap counts, or 1) every sum is an exact integer in float64, so the proxy
 * Σl²/W_l + Σr²/W_r is the very number the per-bin scan computes: same splits, same trees.
 * `best` holds [proxy, bin, left rows] and is overwritten (with `bestLeft`) only on improvement.
 * Returns whether it improved. Leaves rowCount zeroed.
 */
export function giniScanByRows(
  bins: Uint8Array,
  base: number,
  rows: Uint32Array,
  start: number,
  end: number,
  weights: Float64Array,
  classes: Int32Array,
  node: Float64Array,
  nClasses: number,
  minLeaf: number,
  rowCount: Float64Array,
  touched: Int32Array,
  binStart: Int32Array,
  sorted: Uint32Array,
  leftStats: Float64Array,
  best: Float64Array,
  bestLeft: Float64Array,
): boolean {
  let nTouched = 0;
  for (let i = start; i < end; i++) {
    const b = bins[base + rows[i]!]!;
    if (rowCount[b] === 0) touched[nTouched++] = b;
    rowCount[b]!++;
  }
  // Insertion sort of the touched bins (a small node touches few).
  for (let t = 1; t < nTouched; t++) {
    const b = touched[t]!;
    let u = t - 1;
    while (u >= 0 && touched[u]! > b) {
      touched[u + 1] = touched[u]!;
      u--;
    }
    touched[u + 1] = b;
  }
  let position = 0;
  for (let t = 0; t < nTouched; t++) {
    const b = touched[t]!;
    binStart[b] = position;
    position += rowCount[b]!;
  }
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = bins[base + r]!;
    sorted[binStart[b]!++] = r;
  }
  let sumRight = 0;
  let weightRight = 0;
  for (let k = 0; k < nClasses; k++) {
    const c = node[k]!;
    sumRight += c * c;
    weightRight += c;
    leftStats[k] = 0;
  }
  let sumLeft = 0;
  let weightLeft = 0;
  let leftRows = 0;
  const nodeRows = end - start;
  let improved = false;
  let i = 0;
  for (let t = 0; t < nTouched - 1; t++) {
    const b = touched[t]!;
    const stop = i + rowCount[b]!;
    for (; i < stop; i++) {
      const r = sorted[i]!;
      const k = classes[r]!;
      const w = weights[r]!;
      const l = leftStats[k]!;
      sumLeft += w * (2 * l + w);
      sumRight += w * (w - 2 * (node[k]! - l));
      leftStats[k] = l + w;
      weightLeft += w;
      weightRight -= w;
    }
    leftRows += rowCount[b]!;
    if (leftRows < minLeaf || nodeRows - leftRows < minLeaf) continue;
    const proxy = sumLeft / weightLeft + sumRight / weightRight;
    if (proxy > best[SCAN_PROXY]!) {
      best[SCAN_PROXY] = proxy;
      // Any bin in the empty gap up to the next occupied bin gives the same partition: the middle.
      best[SCAN_BIN] = (b + touched[t + 1]! - 1) >> 1;
      best[SCAN_LEFT_ROWS] = leftRows;
      for (let k = 0; k < nClasses; k++) bestLeft[k] = leftStats[k]!;
      improved = true;
    }
  }
  for (let t = 0; t < nTouched; t++) rowCount[touched[t]!] = 0;
  return improved;
}
