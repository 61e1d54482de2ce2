import type { FlatTree } from "../flat-tree.js";
import { partitionByThreshold } from "../partition.js";
import type { SeededRandom } from "../random.js";
import { TreeBuilder } from "../tree-builder.js";
import {
  accumulateClasses,
  accumulateClassesDense,
  accumulateRegression,
  accumulateRegressionDense,
  classNodeStats,
  clearTouched,
  giniScanByRows,
  regressionNodeStats,
  SCAN_BIN,
  SCAN_LEFT_ROWS,
  SCAN_PROXY,
} from "./cart-kernels.js";
import { NodeRowStack } from "./node-row-stack.js";

/**
 * CART growth (decision trees and random-forest trees) on binned features.
 *
 * Split search is exact over the bins: for every sampled feature the node's rows are accumulated into
 * per-bin weighted class counts (or weight / weighted target sums), then the bin boundaries are
 * scanned in order. When a feature has ≤ 255 distinct values every value has its own bin, so this is
 * the same search as sorting the node's values (scikit-learn's BestSplitter) at O(rows + bins) per
 * feature instead of O(rows log rows); beyond that, candidate thresholds are the quantile bin edges
 * (LightGBM's and xgboost-hist's trade-off). Deep forest nodes hold a handful of rows, so bins are
 * scanned through the list of bins actually touched rather than all 255.
 *
 * Missing values have their own bin; each candidate is tried with missing rows on either side. When a
 * node has no missing rows, missing values at prediction time go to the child with more rows.
 * Features are drawn in random order per node until `maxFeatures` non-constant ones were evaluated
 * (scikit-learn's rule), which is both per-split feature sampling and random tie-breaking.
 */

export type CartCriterion = "gini" | "entropy" | "squared_error";

export interface CartData {
  readonly bins: Uint8Array;
  readonly nRows: number;
  /** Non-missing bins per feature; the missing bin of feature f is nBins[f]. */
  readonly nBins: Int32Array;
  readonly hasMissing: Uint8Array;
  /** Upper bin edges per feature (bin b ends at thresholds[f][b]). */
  readonly thresholds: readonly Float64Array[];
}

export type CartTarget =
  | { readonly kind: "classification"; readonly classes: Int32Array; readonly nClasses: number }
  | { readonly kind: "regression"; readonly values: Float64Array };

export interface CartParams {
  readonly criterion: CartCriterion;
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** Non-constant features to evaluate per split. */
  readonly maxFeatures: number;
}

/**
 * Grows one tree over `rows` (the rows with positive weight; reordered in place).
 * `weights[r]` is row r's weight: 1 for a plain tree, the bootstrap count in a forest.
 */
export function growCartTree(
  data: CartData,
  target: CartTarget,
  rows: Uint32Array,
  weights: Float64Array,
  params: CartParams,
  random: SeededRandom,
): FlatTree {
  return new CartGrower(data, target, rows, weights, params, random).grow();
}

interface BestSplit {
  feature: number;
  splitBin: number;
  missingGoesLeft: boolean;
  proxy: number;
}

class CartGrower {
  private readonly stride: number;
  private readonly hist: Float64Array;
  private readonly rowCount: Float64Array;
  private readonly touched: Int32Array;
  private readonly touchedBits = new Int32Array(8);
  private readonly order: Int32Array;
  private readonly node: Float64Array;
  private readonly leftStats: Float64Array;
  private readonly nodeValue: Float64Array;
  private readonly featureOrder: Int32Array;
  private readonly scratch: Uint32Array;
  private readonly builder: TreeBuilder;
  private readonly best: BestSplit = { feature: -1, splitBin: 0, missingGoesLeft: false, proxy: 0 };
  private readonly classes: Int32Array;
  private readonly values: Float64Array;
  private readonly nClasses: number;
  private readonly isRegression: boolean;
  private readonly useEntropy: boolean;
  /** Features known to be constant in pending nodes; the current node's flags start at `constantAt`. */
  private readonly constant: NodeRowStack<Uint8Array>;
  private constantAt = 0;
  /** Classification: pending nodes' class totals, handed down from the parent's split scan. */
  private readonly totals: NodeRowStack<Float64Array>;
  /** Left-child totals of the best split found so far in the current node. */
  private readonly bestLeft: Float64Array;
  /** Row-wise Gini scan scratch: bin → first sorted position, the node's rows sorted by bin, result. */
  private readonly binStart: Int32Array;
  private readonly sortedRows: Uint32Array;
  private readonly scan = new Float64Array(3);
  private nodeWeight = 0;
  private nodeRows = 0;

  constructor(
    private readonly data: CartData,
    target: CartTarget,
    private readonly rows: Uint32Array,
    private readonly weights: Float64Array,
    private readonly params: CartParams,
    private readonly random: SeededRandom,
  ) {
    this.isRegression = target.kind === "regression";
    if (this.isRegression !== (params.criterion === "squared_error")) {
      throw new Error(`Criterion '${params.criterion}' does not fit a ${target.kind} target`);
    }
    this.useEntropy = params.criterion === "entropy";
    this.classes = target.kind === "classification" ? target.classes : new Int32Array(0);
    this.values = target.kind === "regression" ? target.values : new Float64Array(0);
    this.nClasses = target.kind === "classification" ? target.nClasses : 1;
    // Classification: weighted count per class; regression: (Σw, Σw·y).
    this.stride = this.isRegression ? 2 : this.nClasses;
    let maxSlots = 0;
    for (let f = 0; f < data.nBins.length; f++) maxSlots = Math.max(maxSlots, data.nBins[f]! + 1);
    this.hist = new Float64Array(maxSlots * this.stride);
    this.rowCount = new Float64Array(maxSlots);
    this.touched = new Int32Array(maxSlots);
    this.order = new Int32Array(maxSlots);
    this.node = new Float64Array(this.stride);
    this.leftStats = new Float64Array(this.stride);
    this.nodeValue = new Float64Array(this.nClasses);
    this.featureOrder = Int32Array.from({ length: data.nBins.length }, (_, f) => f);
    this.scratch = new Uint32Array(rows.length);
    this.builder = new TreeBuilder(this.nClasses, 1024);
    this.constant = new NodeRowStack(data.nBins.length, (n) => new Uint8Array(n));
    this.totals = new NodeRowStack(this.stride, (n) => new Float64Array(n));
    this.bestLeft = new Float64Array(this.stride);
    this.binStart = new Int32Array(maxSlots);
    this.sortedRows = new Uint32Array(rows.length);
  }

  grow(): FlatTree {
    // Depth-first with an explicit stack of (node, start, end, depth); left children are popped first.
    // Each pending node also carries the features already known to be constant in it, inherited from
    // its parent: deep nodes are mostly constant features, and rechecking them would dominate the cost.
    // Class totals come down the same way (the children's are the best split's left totals and the
    // rest), which saves a pass over every node's rows; only the root is counted.
    const stack: number[] = [this.builder.addNode(), 0, this.rows.length, 0];
    this.constant.pushRoot();
    this.totals.pushRoot();
    let first = true;
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const nodeId = stack.pop()!;
      this.constantAt = this.constant.pop();
      const totalsAt = this.totals.pop();
      const pure = this.computeNodeStats(start, end, first, totalsAt);
      first = false;
      this.builder.setValue(nodeId, this.nodeValue, this.nodeWeight);
      const n = end - start;
      if (
        pure ||
        depth >= this.params.maxDepth ||
        n < this.params.minSamplesSplit ||
        n < 2 * this.params.minSamplesLeaf ||
        !this.findBestSplit(start, end)
      ) {
        continue;
      }
      const { feature, splitBin, missingGoesLeft } = this.best;
      const mid = this.partition(start, end, feature, splitBin, missingGoesLeft);
      const leftId = this.builder.addNode();
      const rightId = this.builder.addNode();
      const edges = this.data.thresholds[feature]!;
      const threshold = splitBin < edges.length ? edges[splitBin]! : Number.POSITIVE_INFINITY;
      this.builder.setNumericSplit(nodeId, feature, splitBin, threshold, missingGoesLeft, leftId, rightId);
      stack.push(rightId, mid, end, depth + 1, leftId, start, mid, depth + 1);
      this.constant.pushChildren(this.constantAt);
      this.pushChildTotals(totalsAt);
    }
    return this.builder.finish();
  }

  /** Children's class totals: right = node − best left (in the node's own slot), left = best left. */
  private pushChildTotals(totalsAt: number): void {
    if (this.isRegression) return;
    const rightAt = this.totals.pushChildren(totalsAt);
    const totals = this.totals.rows;
    const leftAt = rightAt + this.stride;
    for (let k = 0; k < this.stride; k++) {
      totals[rightAt + k] = this.node[k]! - this.bestLeft[k]!;
      totals[leftAt + k] = this.bestLeft[k]!;
    }
  }

  /**
   * Fills node totals and the node's output value; returns whether the node is pure. Class totals
   * are read from the pending-node stack, except at the root (`count`), where they are counted.
   */
  private computeNodeStats(start: number, end: number, count: boolean, totalsAt: number): boolean {
    const { rows, weights, node, nodeValue } = this;
    this.nodeRows = end - start;
    if (this.isRegression) {
      const constant = regressionNodeStats(rows, start, end, weights, this.values, node);
      this.nodeWeight = node[0]!;
      nodeValue[0] = node[1]! / node[0]!;
      return constant;
    }
    if (count) {
      node.fill(0);
      classNodeStats(rows, start, end, weights, this.classes, node);
    } else {
      const totals = this.totals.rows;
      for (let k = 0; k < this.stride; k++) node[k] = totals[totalsAt + k]!;
    }
    let total = 0;
    let present = 0;
    for (let k = 0; k < this.nClasses; k++) {
      total += node[k]!;
      if (node[k]! > 0) present++;
    }
    for (let k = 0; k < this.nClasses; k++) nodeValue[k] = node[k]! / total;
    this.nodeWeight = total;
    return present <= 1;
  }

  private findBestSplit(start: number, end: number): boolean {
    const best = this.best;
    best.feature = -1;
    best.proxy = Number.NEGATIVE_INFINITY;
    const order = this.featureOrder;
    const d = order.length;
    const constant = this.constant.rows;
    const at = this.constantAt;
    let evaluated = 0;
    for (let j = 0; j < d && evaluated < this.params.maxFeatures; j++) {
      const pick = j + this.random.nextInt(d - j);
      const f = order[pick]!;
      order[pick] = order[j]!;
      order[j] = f;
      if (constant[at + f] === 1) continue;
      if (this.isConstant(f, start, end)) {
        constant[at + f] = 1;
        continue;
      }
      this.evaluateFeature(f, start, end);
      evaluated++;
    }
    return best.feature >= 0;
  }

  /** Whether every row of the node has the same bin of f (cheap: stops at the first difference). */
  private isConstant(f: number, start: number, end: number): boolean {
    const { rows } = this;
    const bins = this.data.bins;
    const base = f * this.data.nRows;
    const first = bins[base + rows[start]!]!;
    for (let i = start + 1; i < end; i++) if (bins[base + rows[i]!] !== first) return false;
    return true;
  }

  /** Accumulates the node's histogram of a non-constant feature f and scans it for the best split. */
  private evaluateFeature(f: number, start: number, end: number): void {
    const { rows, weights, hist, rowCount, touched, stride } = this;
    const { bins, nRows, nBins } = this.data;
    const base = f * nRows;
    const slots = nBins[f]! + 1;
    const m = end - start;
    // Small nodes with many classes: scan row by row (O(rows)) instead of bin by bin (O(bins × classes)).
    if (
      !this.isRegression &&
      !this.useEntropy &&
      stride >= 4 &&
      this.data.hasMissing[f] === 0 &&
      3 * m < 4 * stride * Math.min(m, slots)
    ) {
      this.scanByRows(f, base, start, end);
      return;
    }
    // Large nodes fill most bins: skip the touched-bin bookkeeping and sweep all bins instead.
    if (end - start > 4 * slots) {
      if (this.isRegression)
        accumulateRegressionDense(bins, base, rows, start, end, weights, this.values, hist, rowCount);
      else
        accumulateClassesDense(bins, base, rows, start, end, weights, this.classes, stride, hist, rowCount);
      this.scanFeature(f, -1);
      hist.fill(0, 0, slots * stride);
      rowCount.fill(0, 0, slots);
      return;
    }
    const nTouched = this.isRegression
      ? accumulateRegression(bins, base, rows, start, end, weights, this.values, hist, rowCount, touched)
      : accumulateClasses(
          bins,
          base,
          rows,
          start,
          end,
          weights,
          this.classes,
          stride,
          hist,
          rowCount,
          touched,
        );
    this.scanFeature(f, nTouched);
    clearTouched(touched, nTouched, stride, hist, rowCount);
  }

  private scanByRows(f: number, base: number, start: number, end: number): void {
    const { best, scan } = this;
    scan[SCAN_PROXY] = best.proxy;
    const improved = giniScanByRows(
      this.data.bins,
      base,
      this.rows,
      start,
      end,
      this.weights,
      this.classes,
      this.node,
      this.nClasses,
      this.params.minSamplesLeaf,
      this.rowCount,
      this.touched,
      this.binStart,
      this.sortedRows,
      this.leftStats,
      scan,
      this.bestLeft,
    );
    if (!improved) return;
    const leftRows = scan[SCAN_LEFT_ROWS]!;
    best.proxy = scan[SCAN_PROXY]!;
    best.feature = f;
    best.splitBin = scan[SCAN_BIN]!;
    best.missingGoesLeft = leftRows > end - start - leftRows;
  }

  /** Orders the occupied non-missing bins ascending into `order` (nTouched -1: all bins); returns how many. */
  private orderTouchedBins(missingBin: number, nTouched: number): number {
    const { touched, order, rowCount, touchedBits } = this;
    let q = 0;
    if (nTouched >= 0 && nTouched * 4 < missingBin) {
      // A 256-bit set read back lowest bit first sorts the few touched bins in O(touched + 8).
      for (let t = 0; t < nTouched; t++) {
        const b = touched[t]!;
        touchedBits[b >>> 5]! |= 1 << (b & 31);
      }
      for (let w = 0; w < touchedBits.length; w++) {
        let word = touchedBits[w]!;
        touchedBits[w] = 0;
        while (word !== 0) {
          const lowest = word & -word;
          const b = (w << 5) + 31 - Math.clz32(lowest);
          if (b !== missingBin) order[q++] = b;
          word ^= lowest;
        }
      }
      return q;
    }
    for (let b = 0; b < missingBin; b++) if (rowCount[b]! > 0) order[q++] = b;
    return q;
  }

  private scanFeature(f: number, nTouched: number): void {
    const missingBin = this.data.nBins[f]!;
    const q = this.orderTouchedBins(missingBin, nTouched);
    const { hist, rowCount, order, stride, leftStats, best } = this;
    const missRows = rowCount[missingBin]!;
    const missBase = missingBin * stride;
    const minLeaf = this.params.minSamplesLeaf;
    const nodeRows = this.nodeRows;
    leftStats.fill(0);
    let leftRows = 0;
    for (let j = 0; j < q; j++) {
      const b = order[j]!;
      for (let s = 0; s < stride; s++) leftStats[s]! += hist[b * stride + s]!;
      leftRows += rowCount[b]!;
      const last = j === q - 1;
      if (last && missRows === 0) break;
      // Any bin in the empty gap up to the next occupied bin gives the same training partition; the
      // middle of the gap mirrors scikit-learn's midpoint between neighbouring values.
      const splitBin = last ? missingBin - 1 : (b + order[j + 1]! - 1) >> 1;
      // Missing rows to the right.
      if (leftRows >= minLeaf && nodeRows - leftRows >= minLeaf) {
        const proxy = this.proxy(-1);
        if (proxy > best.proxy) {
          best.proxy = proxy;
          best.feature = f;
          best.splitBin = splitBin;
          best.missingGoesLeft = missRows > 0 ? false : leftRows > nodeRows - leftRows;
          this.bestLeft.set(leftStats);
        }
      }
      // Missing rows to the left.
      if (missRows > 0 && !last) {
        const l = leftRows + missRows;
        if (l >= minLeaf && nodeRows - l >= minLeaf) {
          const proxy = this.proxy(missBase);
          if (proxy > best.proxy) {
            best.proxy = proxy;
            best.feature = f;
            best.splitBin = splitBin;
            best.missingGoesLeft = true;
            for (let s = 0; s < stride; s++) this.bestLeft[s] = leftStats[s]! + hist[missBase + s]!;
          }
        }
      }
    }
  }

  /**
   * The criterion's proxy improvement for left = leftStats (+ the missing bin when `missBase` >= 0),
   * right = node − left; larger is better. Gini: Σc²/W per child; entropy: Σc·ln c − W·ln W per child
   * (minus the weighted child entropies); squared error: (Σw·y)²/Σw per child.
   */
  private proxy(missBase: number): number {
    const { leftStats, node, hist, stride } = this;
    if (this.isRegression) {
      let wl = leftStats[0]!;
      let sl = leftStats[1]!;
      if (missBase >= 0) {
        wl += hist[missBase]!;
        sl += hist[missBase + 1]!;
      }
      const wr = node[0]! - wl;
      const sr = node[1]! - sl;
      return (sl * sl) / wl + (sr * sr) / wr;
    }
    let wl = 0;
    let wr = 0;
    let sumL = 0;
    let sumR = 0;
    if (this.useEntropy) {
      for (let k = 0; k < stride; k++) {
        const l = leftStats[k]! + (missBase >= 0 ? hist[missBase + k]! : 0);
        const r = node[k]! - l;
        wl += l;
        wr += r;
        if (l > 0) sumL += l * Math.log(l);
        if (r > 0) sumR += r * Math.log(r);
      }
      return sumL - wl * Math.log(wl) + sumR - wr * Math.log(wr);
    }
    for (let k = 0; k < stride; k++) {
      const l = leftStats[k]! + (missBase >= 0 ? hist[missBase + k]! : 0);
      const r = node[k]! - l;
      wl += l;
      wr += r;
      sumL += l * l;
      sumR += r * r;
    }
    return sumL / wl + sumR / wr;
  }

  /** Stable in-place partition of rows[start, end): left rows first. Returns the first right position. */
  private partition(
    start: number,
    end: number,
    f: number,
    splitBin: number,
    missingGoesLeft: boolean,
  ): number {
    const { bins, nRows, nBins } = this.data;
    return partitionByThreshold(
      this.rows,
      this.scratch,
      start,
      end,
      bins,
      f * nRows,
      nBins[f]!,
      splitBin,
      missingGoesLeft,
    );
  }
}
