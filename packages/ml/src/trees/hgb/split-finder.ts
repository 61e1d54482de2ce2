import { BIN_BITSET_WORDS } from "../flat-tree.js";
import type { BoostingData } from "./boosting-data.js";
import { SLOT } from "./histograms.js";

/**
 * Best split of a node from its gradient histogram, following scikit-learn 1.2's `Splitter`:
 *  - numeric features: scan bins left to right with missing values going right, and, when the feature
 *    has missing values, right to left with missing values going left (xgboost's sparsity-aware scan);
 *  - categorical features: categories with hessian support ≥ 10 (missing counted as a category)
 *    sorted by Σgrad / (Σhess + 10) and scanned from both ends up to the middle (Fisher's ordering,
 *    as LightGBM); low-support categories always go right;
 *  - gain = loss(node) − loss(left) − loss(right) with loss = Σgrad · value and
 *    value = −Σgrad / (Σhess + l2); a split needs gain > 0, min_samples_leaf rows and
 *    min_hessian_to_split on both sides. Ties go to the lower feature index.
 */
export interface SplitInfo {
  gain: number;
  feature: number;
  /** Numeric: rows with bin <= bin go left. */
  bin: number;
  missingGoesLeft: boolean;
  isCategorical: boolean;
  /** Categorical: bins going left (including the missing bin when missing values go left). */
  readonly leftBins: Uint32Array;
  sumGradientLeft: number;
  sumHessianLeft: number;
  nLeft: number;
  sumGradientRight: number;
  sumHessianRight: number;
  nRight: number;
  valueLeft: number;
  valueRight: number;
}

export function emptySplit(): SplitInfo {
  return {
    gain: -1,
    feature: -1,
    bin: 0,
    missingGoesLeft: false,
    isCategorical: false,
    leftBins: new Uint32Array(BIN_BITSET_WORDS),
    sumGradientLeft: 0,
    sumHessianLeft: 0,
    nLeft: 0,
    sumGradientRight: 0,
    sumHessianRight: 0,
    nRight: 0,
    valueLeft: 0,
    valueRight: 0,
  };
}

export function copySplit(from: SplitInfo, to: SplitInfo): void {
  to.gain = from.gain;
  to.feature = from.feature;
  to.bin = from.bin;
  to.missingGoesLeft = from.missingGoesLeft;
  to.isCategorical = from.isCategorical;
  to.leftBins.set(from.leftBins);
  to.sumGradientLeft = from.sumGradientLeft;
  to.sumHessianLeft = from.sumHessianLeft;
  to.nLeft = from.nLeft;
  to.sumGradientRight = from.sumGradientRight;
  to.sumHessianRight = from.sumHessianRight;
  to.nRight = from.nRight;
  to.valueLeft = from.valueLeft;
  to.valueRight = from.valueRight;
}

export interface SplitRules {
  readonly l2: number;
  readonly minSamplesLeaf: number;
  readonly minHessianToSplit: number;
  readonly constantHessian: boolean;
}

/** Support (in hessian units) a category needs to take part in a categorical split (LightGBM's cat_smooth). */
const MIN_CATEGORY_SUPPORT = 10;

export function nodeValue(sumGradient: number, sumHessian: number, l2: number): number {
  return -sumGradient / (sumHessian + l2 + 1e-15);
}

export class SplitFinder {
  private readonly candidate = emptySplit();
  private readonly categoryBin: Int32Array;
  private readonly categoryRatio: Float64Array;
  private readonly categoryOrder: Int32Array;
  /** Slot of the hessian within a histogram slot: counts stand in for constant hessians. */
  private readonly hessianSlot: number;

  constructor(
    private readonly data: BoostingData,
    private readonly rules: SplitRules,
  ) {
    this.hessianSlot = rules.constantHessian ? 2 : 1;
    this.categoryBin = new Int32Array(256);
    this.categoryRatio = new Float64Array(256);
    this.categoryOrder = new Int32Array(256);
  }

  /** Writes the node's best split into `best` (gain -1 when no split satisfies the rules). */
  find(
    hist: Float64Array,
    nSamples: number,
    sumGradient: number,
    sumHessian: number,
    value: number,
    best: SplitInfo,
  ): void {
    best.gain = -1;
    best.feature = -1;
    const candidate = this.candidate;
    const lossCurrent = sumGradient * value;
    for (let f = 0; f < this.data.nFeatures; f++) {
      candidate.gain = -1;
      if (this.data.isCategorical[f] === 1) {
        this.scanCategories(f, hist, nSamples, sumGradient, sumHessian, lossCurrent, candidate);
      } else {
        this.scanLeftToRight(f, hist, nSamples, sumGradient, sumHessian, lossCurrent, candidate);
        if (this.data.hasMissing[f] === 1) {
          this.scanRightToLeft(f, hist, nSamples, sumGradient, sumHessian, lossCurrent, candidate);
        }
      }
      if (candidate.gain > best.gain) {
        candidate.feature = f;
        copySplit(candidate, best);
      }
    }
    if (best.gain > 0) {
      best.valueLeft = nodeValue(best.sumGradientLeft, best.sumHessianLeft, this.rules.l2);
      best.valueRight = nodeValue(best.sumGradientRight, best.sumHessianRight, this.rules.l2);
    }
  }

  private gain(gl: number, hl: number, gr: number, hr: number, lossCurrent: number): number {
    const l2 = this.rules.l2;
    return lossCurrent - gl * nodeValue(gl, hl, l2) - gr * nodeValue(gr, hr, l2);
  }

  private record(
    out: SplitInfo,
    gain: number,
    bin: number,
    missingGoesLeft: boolean,
    gl: number,
    hl: number,
    nl: number,
    sumGradient: number,
    sumHessian: number,
    nSamples: number,
  ): void {
    out.gain = gain;
    out.bin = bin;
    out.missingGoesLeft = missingGoesLeft;
    out.isCategorical = false;
    out.sumGradientLeft = gl;
    out.sumHessianLeft = hl;
    out.nLeft = nl;
    out.sumGradientRight = sumGradient - gl;
    out.sumHessianRight = sumHessian - hl;
    out.nRight = nSamples - nl;
  }

  /** Missing values (if any) go right: candidates "bin <= b" for b up to the last non-missing bin. */
  private scanLeftToRight(
    f: number,
    hist: Float64Array,
    nSamples: number,
    sumGradient: number,
    sumHessian: number,
    lossCurrent: number,
    out: SplitInfo,
  ): void {
    const { minSamplesLeaf, minHessianToSplit } = this.rules;
    const hs = this.hessianSlot;
    const offset = SLOT * this.data.slotOffset[f]!;
    // The last non-missing bin can only go left when missing values exist to fill the right child.
    const end = this.data.nBins[f]! - 1 + this.data.hasMissing[f]!;
    let gl = 0;
    let hl = 0;
    let nl = 0;
    for (let b = 0; b < end; b++) {
      const s = offset + SLOT * b;
      gl += hist[s]!;
      hl += hist[s + hs]!;
      nl += hist[s + 2]!;
      const nr = nSamples - nl;
      const hr = sumHessian - hl;
      if (nl < minSamplesLeaf) continue;
      if (nr < minSamplesLeaf) break;
      if (hl < minHessianToSplit) continue;
      if (hr < minHessianToSplit) break;
      const gain = this.gain(gl, hl, sumGradient - gl, hr, lossCurrent);
      if (gain > out.gain && gain > 0) {
        this.record(out, gain, b, false, gl, hl, nl, sumGradient, sumHessian, nSamples);
      }
    }
  }

  /** Missing values go left: the right child accumulates bins from the top down. */
  private scanRightToLeft(
    f: number,
    hist: Float64Array,
    nSamples: number,
    sumGradient: number,
    sumHessian: number,
    lossCurrent: number,
    out: SplitInfo,
  ): void {
    const { minSamplesLeaf, minHessianToSplit } = this.rules;
    const hs = this.hessianSlot;
    const offset = SLOT * this.data.slotOffset[f]!;
    let gr = 0;
    let hr = 0;
    let nr = 0;
    for (let b = this.data.nBins[f]! - 2; b >= 0; b--) {
      const s = offset + SLOT * (b + 1);
      gr += hist[s]!;
      hr += hist[s + hs]!;
      nr += hist[s + 2]!;
      const nl = nSamples - nr;
      const hl = sumHessian - hr;
      if (nr < minSamplesLeaf) continue;
      if (nl < minSamplesLeaf) break;
      if (hr < minHessianToSplit) continue;
      if (hl < minHessianToSplit) break;
      const gl = sumGradient - gr;
      const gain = this.gain(gl, hl, gr, hr, lossCurrent);
      if (gain > out.gain && gain > 0) {
        this.record(out, gain, b, true, gl, hl, nl, sumGradient, sumHessian, nSamples);
      }
    }
  }

  private scanCategories(
    f: number,
    hist: Float64Array,
    nSamples: number,
    sumGradient: number,
    sumHessian: number,
    lossCurrent: number,
    out: SplitInfo,
  ): void {
    const { minSamplesLeaf, minHessianToSplit } = this.rules;
    const hs = this.hessianSlot;
    const offset = SLOT * this.data.slotOffset[f]!;
    const nBins = this.data.nBins[f]!;
    const { categoryBin, categoryRatio, categoryOrder } = this;
    const supportFactor = nSamples / sumHessian;
    let used = 0;
    const lastBin = this.data.hasMissing[f] === 1 ? nBins : nBins - 1;
    for (let b = 0; b <= lastBin; b++) {
      const s = offset + SLOT * b;
      const h = hist[s + hs]!;
      if (h * supportFactor >= MIN_CATEGORY_SUPPORT) {
        categoryBin[used] = b;
        categoryRatio[used] = hist[s]! / (h + MIN_CATEGORY_SUPPORT);
        categoryOrder[used] = used;
        used++;
      }
    }
    if (used <= 1) return;
    const order = categoryOrder
      .subarray(0, used)
      .sort((a, b) => categoryRatio[a]! - categoryRatio[b]! || a - b);
    let bestEnd = -1;
    let bestDirection = 0;
    for (const direction of [1, -1]) {
      const middle = direction === 1 ? (used + 1) >> 1 : ((used + 1) >> 1) - 1;
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let i = 0; i < middle; i++) {
        const position = direction === 1 ? i : used - 1 - i;
        const s = offset + SLOT * categoryBin[order[position]!]!;
        nl += hist[s + 2]!;
        hl += hist[s + hs]!;
        gl += hist[s]!;
        const nr = nSamples - nl;
        const hr = sumHessian - hl;
        if (nl < minSamplesLeaf || hl < minHessianToSplit) continue;
        if (nr < minSamplesLeaf || hr < minHessianToSplit) break;
        const gain = this.gain(gl, hl, sumGradient - gl, hr, lossCurrent);
        if (gain > out.gain && gain > 0) {
          this.record(out, gain, 0, false, gl, hl, nl, sumGradient, sumHessian, nSamples);
          bestEnd = position;
          bestDirection = direction;
        }
      }
    }
    if (bestDirection === 0) return;
    out.isCategorical = true;
    const bitset = out.leftBins;
    bitset.fill(0);
    const from = bestDirection === 1 ? 0 : bestEnd;
    const to = bestDirection === 1 ? bestEnd : used - 1;
    for (let position = from; position <= to; position++) {
      const b = categoryBin[order[position]!]!;
      bitset[b >>> 5]! |= 1 << (b & 31);
    }
    out.missingGoesLeft = this.data.hasMissing[f] === 1 && (bitset[nBins >>> 5]! & (1 << (nBins & 31))) !== 0;
  }
}
