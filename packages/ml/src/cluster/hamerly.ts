import { type DenseMatrix, squaredDistance } from "./dense-matrix.js";

/**
 * Lloyd's k-means iterations with Hamerly's bounds (Hamerly 2010, "Making k-means even faster"):
 * each row keeps an upper bound on the distance to its centre and a lower bound on the distance to
 * any other centre. A row whose upper bound is below max(lower bound, half the distance from its
 * centre to the nearest other centre) cannot change cluster, so its distances are skipped. The
 * assignments, centres and iteration count are exactly those of plain Lloyd (up to distance ties);
 * late iterations, where few rows move, cost O(n) instead of O(n·k·d).
 *
 * Stops as scikit-learn's `_kmeans_single_lloyd`: when the labels repeat, or when the centres moved
 * by at most `tol` in total squared distance.
 */
export interface LloydResult {
  readonly centers: Float64Array;
  readonly labels: Int32Array;
  readonly nIter: number;
}

export function lloydHamerly(
  x: DenseMatrix,
  initial: Float64Array,
  maxIter: number,
  tol: number,
): LloydResult {
  const { data, nRows: n, nCols: d } = x;
  const k = initial.length / d;
  const centers = Float64Array.from(initial);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const labels = new Int32Array(n).fill(-1);
  const upper = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const lower = new Float64Array(n);
  const halfGap = new Float64Array(k);
  const moved = new Float64Array(k);
  let changed = n;
  let iteration = 0;
  while (iteration < maxIter) {
    iteration++;
    nearestOtherCentre(centers, k, d, halfGap);
    changed = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      const bound = a < 0 ? 0 : Math.max(halfGap[a]!, lower[i]!);
      if (upper[i]! <= bound) continue;
      if (a >= 0) {
        upper[i] = Math.sqrt(squaredDistance(data, i * d, centers, a * d, d));
        if (upper[i]! <= bound) continue;
      }
      // Full search: closest and second-closest centres.
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      let second = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const dist = squaredDistance(data, i * d, centers, c * d, d);
        if (dist < bestDistance) {
          second = bestDistance;
          bestDistance = dist;
          best = c;
        } else if (dist < second) {
          second = dist;
        }
      }
      if (best !== a) {
        changed++;
        if (a >= 0) {
          counts[a]!--;
          for (let j = 0; j < d; j++) sums[a * d + j]! -= data[i * d + j]!;
        }
        counts[best]!++;
        for (let j = 0; j < d; j++) sums[best * d + j]! += data[i * d + j]!;
        labels[i] = best;
      }
      upper[i] = Math.sqrt(bestDistance);
      lower[i] = Math.sqrt(second);
    }
    let shift = 0;
    let maxMove = 0;
    let maxMover = -1;
    let secondMove = 0;
    const relocated = relocateEmpty(x, labels, counts, sums, centers, k);
    for (let c = 0; c < k; c++) {
      let move = 0;
      for (let j = 0; j < d; j++) {
        const next = sums[c * d + j]! / counts[c]!;
        const delta = next - centers[c * d + j]!;
        move += delta * delta;
        centers[c * d + j] = next;
      }
      shift += move;
      moved[c] = Math.sqrt(move);
      if (moved[c]! > maxMove) {
        secondMove = maxMove;
        maxMove = moved[c]!;
        maxMover = c;
      } else if (moved[c]! > secondMove) {
        secondMove = moved[c]!;
      }
    }
    if (changed === 0) break;
    if (shift <= tol) break;
    if (relocated) {
      // Bounds no longer hold after a relocation: recompute every row next iteration.
      upper.fill(Number.POSITIVE_INFINITY);
      lower.fill(0);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      upper[i]! += moved[a]!;
      lower[i]! -= a === maxMover ? secondMove : maxMove;
    }
  }
  return { centers, labels, nIter: iteration };
}

/** Half the distance from each centre to its nearest other centre. */
function nearestOtherCentre(centers: Float64Array, k: number, d: number, out: Float64Array): void {
  out.fill(Number.POSITIVE_INFINITY);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const half = Math.sqrt(squaredDistance(centers, a * d, centers, b * d, d)) / 2;
      if (half < out[a]!) out[a] = half;
      if (half < out[b]!) out[b] = half;
    }
  }
}

/**
 * An empty cluster takes the row farthest from its centre (scikit-learn relocates empty clusters to
 * the farthest points too); returns whether any cluster was empty.
 */
function relocateEmpty(
  x: DenseMatrix,
  labels: Int32Array,
  counts: Float64Array,
  sums: Float64Array,
  centers: Float64Array,
  k: number,
): boolean {
  const { data, nRows: n, nCols: d } = x;
  let any = false;
  for (let c = 0; c < k; c++) {
    if (counts[c]! > 0) continue;
    any = true;
    let far = -1;
    let farDistance = -1;
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      if (counts[a]! <= 1) continue;
      const dist = squaredDistance(data, i * d, centers, a * d, d);
      if (dist > farDistance) {
        farDistance = dist;
        far = i;
      }
    }
    if (far < 0) continue;
    const from = labels[far]!;
    counts[from]!--;
    counts[c] = 1;
    for (let j = 0; j < d; j++) {
      sums[from * d + j]! -= data[far * d + j]!;
      sums[c * d + j] = data[far * d + j]!;
    }
    labels[far] = c;
  }
  return any;
}
