import type { BoostingData } from "./boosting-data.js";

/**
 * Per-node gradient histograms: for every feature and bin, [Σ gradient, Σ hessian, row count] as three
 * consecutive float64s. Building a node's histogram costs one pass over its rows per eight features
 * (the row-packed bins of BoostingData); a sibling's comes free by subtraction from the parent.
 *
 * Gradients and hessians come interleaved, `gh[2i]` and `gh[2i + 1]` for row i. A child node's rows
 * are scattered over the training set, so its gradients and packed bins are first gathered into node
 * order by a tight loop (which keeps many cache misses in flight), and the accumulation loops then
 * read everything sequentially. Reading scattered rows inside the long accumulation loop instead
 * stalls on one cache miss per row (measured: ~60% of its time). Each bin's sums accumulate in row
 * order, so the result does not depend on the layout or the pass grouping. A buffer holds
 * `SLOT * data.histogramSlots` floats (the feature slots, then scratch slots for the packed layout's
 * padding).
 */
export const SLOT = 3;
// The loops below write the literal 3 and take the eight slot offsets as arguments: a module-level
// const or an array read inside a hot loop costs V8 a load per row (measured 1.5–1.7× slower).

/** Scratch for a node's gathered rows: gradients/hessians and packed bins in node order. */
export interface GatherBuffers {
  readonly gh: Float64Array;
  readonly packed: Uint32Array;
}

export function gatherBuffers(data: BoostingData): GatherBuffers {
  return { gh: new Float64Array(2 * data.nRows), packed: new Uint32Array(data.packed.length) };
}

/**
 * Histogram of the rows in rows[start, end): gathers their gradients and bins into `scratch`, then
 * accumulates. With constant hessians only gradients and counts.
 */
export function buildHistogram(
  data: BoostingData,
  rows: Uint32Array,
  start: number,
  end: number,
  gh: Float64Array,
  constantHessian: boolean,
  scratch: GatherBuffers,
  hist: Float64Array,
): void {
  gatherRows(data, rows, start, end, gh, scratch);
  hist.fill(0);
  const { packedWords: w, packedOffsets: o } = data;
  const m = end - start;
  const packed = scratch.packed;
  const ordered = scratch.gh;
  for (let word = 0, p = 0; word < w; word += 2, p += 8) {
    if (constantHessian) {
      accumulateConstantHessian(
        packed,
        w,
        word,
        m,
        ordered,
        hist,
        o[p]!,
        o[p + 1]!,
        o[p + 2]!,
        o[p + 3]!,
        o[p + 4]!,
        o[p + 5]!,
        o[p + 6]!,
        o[p + 7]!,
      );
    } else {
      accumulate(
        packed,
        w,
        word,
        m,
        ordered,
        hist,
        o[p]!,
        o[p + 1]!,
        o[p + 2]!,
        o[p + 3]!,
        o[p + 4]!,
        o[p + 5]!,
        o[p + 6]!,
        o[p + 7]!,
      );
    }
  }
}

function gatherRows(
  data: BoostingData,
  rows: Uint32Array,
  start: number,
  end: number,
  gh: Float64Array,
  scratch: GatherBuffers,
): void {
  const { packed, packedWords: w } = data;
  const outGh = scratch.gh;
  const outPacked = scratch.packed;
  if (w === 2) {
    for (let i = start, j = 0; i < end; i++, j += 2) {
      const r = 2 * rows[i]!;
      outGh[j] = gh[r]!;
      outGh[j + 1] = gh[r + 1]!;
      outPacked[j] = packed[r]!;
      outPacked[j + 1] = packed[r + 1]!;
    }
    return;
  }
  for (let i = start, j = 0; i < end; i++, j++) {
    const r = rows[i]!;
    outGh[2 * j] = gh[2 * r]!;
    outGh[2 * j + 1] = gh[2 * r + 1]!;
    for (let k = 0, from = w * r, to = w * j; k < w; k++) outPacked[to + k] = packed[from + k]!;
  }
}

/**
 * Part of the root's histogram: rows lo..hi-1 in their natural order, so no gather. Only gradient and
 * hessian sums: the root's row counts are the same for every tree of a fit, so they come precomputed
 * (`setRootCounts`). Returns nothing; `sums` receives [Σ gradient, Σ hessian] of the rows at `sumsAt`.
 */
export function buildRootHistogramPart(
  data: BoostingData,
  gh: Float64Array,
  constantHessian: boolean,
  lo: number,
  hi: number,
  hist: Float64Array,
  sums: Float64Array,
  sumsAt: number,
): void {
  hist.fill(0);
  const { packedWords: w, packedOffsets: o } = data;
  const packed = data.packed.subarray(lo * w, hi * w);
  const part = gh.subarray(2 * lo, 2 * hi);
  const n = hi - lo;
  for (let word = 0, p = 0; word < w; word += 2, p += 8) {
    if (constantHessian) {
      accumulateGradientsOnly(
        packed,
        w,
        word,
        n,
        part,
        hist,
        o[p]!,
        o[p + 1]!,
        o[p + 2]!,
        o[p + 3]!,
        o[p + 4]!,
        o[p + 5]!,
        o[p + 6]!,
        o[p + 7]!,
      );
    } else {
      accumulateWithoutCounts(
        packed,
        w,
        word,
        n,
        part,
        hist,
        o[p]!,
        o[p + 1]!,
        o[p + 2]!,
        o[p + 3]!,
        o[p + 4]!,
        o[p + 5]!,
        o[p + 6]!,
        o[p + 7]!,
      );
    }
  }
  let sumGradient = 0;
  let sumHessian = 0;
  for (let i = 0; i < n; i++) sumGradient += part[2 * i]!;
  if (constantHessian) sumHessian = n;
  else for (let i = 0; i < n; i++) sumHessian += part[2 * i + 1]!;
  sums[sumsAt] = sumGradient;
  sums[sumsAt + 1] = sumHessian;
}

/** Writes the precomputed root row counts into a root histogram. */
export function setRootCounts(hist: Float64Array, rootCounts: Float64Array): void {
  for (let slot = 0; slot < rootCounts.length; slot++) hist[3 * slot + 2] = rootCounts[slot]!;
}

/** into += part (a histogram built in two halves). */
export function addHistogram(into: Float64Array, part: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += part[i]!;
}

/** Rows per histogram slot over the whole training set. */
export function rootCounts(data: BoostingData): Float64Array {
  const counts = new Float64Array(data.totalSlots);
  const { bins, nRows, slotOffset } = data;
  for (let f = 0; f < data.nFeatures; f++) {
    const base = f * nRows;
    const offset = slotOffset[f]!;
    for (let i = 0; i < nRows; i++) counts[offset + bins[base + i]!]!++;
  }
  return counts;
}

/** parent -= child, leaving the sibling's histogram in the parent's buffer. */
export function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  for (let i = 0; i < parent.length; i++) parent[i]! -= child[i]!;
}

function accumulate(
  packed: Uint32Array,
  stride: number,
  word: number,
  n: number,
  gh: Float64Array,
  hist: Float64Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  o4: number,
  o5: number,
  o6: number,
  o7: number,
): void {
  for (let r = 0, at = word; r < n; r++, at += stride) {
    const g = gh[2 * r]!;
    const h = gh[2 * r + 1]!;
    const a = packed[at]!;
    const b = packed[at + 1]!;
    let s = o0 + 3 * (a & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o1 + 3 * ((a >>> 8) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o2 + 3 * ((a >>> 16) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o3 + 3 * (a >>> 24);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o4 + 3 * (b & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o5 + 3 * ((b >>> 8) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o6 + 3 * ((b >>> 16) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
    s = o7 + 3 * (b >>> 24);
    hist[s]! += g;
    hist[s + 1]! += h;
    hist[s + 2]!++;
  }
}

function accumulateConstantHessian(
  packed: Uint32Array,
  stride: number,
  word: number,
  n: number,
  gh: Float64Array,
  hist: Float64Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  o4: number,
  o5: number,
  o6: number,
  o7: number,
): void {
  for (let r = 0, at = word; r < n; r++, at += stride) {
    const g = gh[2 * r]!;
    const a = packed[at]!;
    const b = packed[at + 1]!;
    let s = o0 + 3 * (a & 255);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o1 + 3 * ((a >>> 8) & 255);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o2 + 3 * ((a >>> 16) & 255);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o3 + 3 * (a >>> 24);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o4 + 3 * (b & 255);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o5 + 3 * ((b >>> 8) & 255);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o6 + 3 * ((b >>> 16) & 255);
    hist[s]! += g;
    hist[s + 2]!++;
    s = o7 + 3 * (b >>> 24);
    hist[s]! += g;
    hist[s + 2]!++;
  }
}

function accumulateWithoutCounts(
  packed: Uint32Array,
  stride: number,
  word: number,
  n: number,
  gh: Float64Array,
  hist: Float64Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  o4: number,
  o5: number,
  o6: number,
  o7: number,
): void {
  for (let r = 0, at = word; r < n; r++, at += stride) {
    const g = gh[2 * r]!;
    const h = gh[2 * r + 1]!;
    const a = packed[at]!;
    const b = packed[at + 1]!;
    let s = o0 + 3 * (a & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o1 + 3 * ((a >>> 8) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o2 + 3 * ((a >>> 16) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o3 + 3 * (a >>> 24);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o4 + 3 * (b & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o5 + 3 * ((b >>> 8) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o6 + 3 * ((b >>> 16) & 255);
    hist[s]! += g;
    hist[s + 1]! += h;
    s = o7 + 3 * (b >>> 24);
    hist[s]! += g;
    hist[s + 1]! += h;
  }
}

function accumulateGradientsOnly(
  packed: Uint32Array,
  stride: number,
  word: number,
  n: number,
  gh: Float64Array,
  hist: Float64Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  o4: number,
  o5: number,
  o6: number,
  o7: number,
): void {
  for (let r = 0, at = word; r < n; r++, at += stride) {
    const g = gh[2 * r]!;
    const a = packed[at]!;
    const b = packed[at + 1]!;
    hist[o0 + 3 * (a & 255)]! += g;
    hist[o1 + 3 * ((a >>> 8) & 255)]! += g;
    hist[o2 + 3 * ((a >>> 16) & 255)]! += g;
    hist[o3 + 3 * (a >>> 24)]! += g;
    hist[o4 + 3 * (b & 255)]! += g;
    hist[o5 + 3 * ((b >>> 8) & 255)]! += g;
    hist[o6 + 3 * ((b >>> 16) & 255)]! += g;
    hist[o7 + 3 * (b >>> 24)]! += g;
  }
}
