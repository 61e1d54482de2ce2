import type { FlatTree } from "../flat-tree.js";
import { codeBitsetFromBins, TreeBuilder } from "../tree-builder.js";
import type { BoostingData } from "./boosting-data.js";
import { rootCounts, SLOT, setRootCounts, subtractHistogram } from "./histograms.js";
import { type NodeHalves, SerialHalves } from "./node-halves.js";
import { emptySplit, SplitFinder, type SplitInfo } from "./split-finder.js";

/**
 * Grows one boosting tree leaf-wise (best-first), as scikit-learn's TreeGrower: the splittable node
 * with the largest gain is split next until max_leaf_nodes leaves exist, max_depth is reached, or no
 * split has positive gain. Each node owns a contiguous range of row indices; a split moves its range,
 * partitioned, into a second buffer (the children's sizes are known from the histogram, so no scratch
 * copy is needed); only the smaller child's histogram is built from rows, the larger child's is the
 * parent's minus it. Whether each child will be split is known before partitioning (from sizes,
 * depth and the leaf count), so no histogram is built for two leaves. After growth, each leaf's shrunk
 * value is added to its rows' raw predictions straight from the partition, so training rows are never
 * re-traversed. The row-proportional work goes through `NodeHalves` (one thread or two).
 */
export interface GrowerParams {
  readonly maxLeafNodes: number | null;
  readonly maxDepth: number | null;
  readonly minSamplesLeaf: number;
  readonly l2: number;
  readonly minHessianToSplit: number;
  readonly learningRate: number;
}

interface GrowingNode {
  readonly id: number;
  /** Which row buffer holds rows[start, end) of this node (children live in the parent's other one). */
  readonly rows: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly sumGradient: number;
  readonly sumHessian: number;
  /** Unshrunk value (0 for the root, as scikit-learn: it only offsets the root's gains). */
  readonly value: number;
  hist: Float64Array | null;
  readonly split: SplitInfo;
}

export class BoostingGrower {
  private readonly finder: SplitFinder;
  private readonly freeHistograms: Float64Array[] = [];
  private readonly rootCounts: Float64Array;
  private readonly freeSplits: SplitInfo[] = [];

  constructor(
    private readonly data: BoostingData,
    private readonly params: GrowerParams,
    constantHessian: boolean,
    private readonly halves: NodeHalves = new SerialHalves(data, constantHessian),
  ) {
    this.rootCounts = rootCounts(data);
    this.finder = new SplitFinder(data, {
      l2: params.l2,
      minSamplesLeaf: params.minSamplesLeaf,
      minHessianToSplit: params.minHessianToSplit,
      constantHessian,
    });
  }

  /**
   * Fits a tree to the interleaved gradients and hessians gh[2 * (offset + i)], gh[2 * (offset + i) + 1]
   * (hessians unused when constant) and adds its shrunk leaf values to raw[offset + i]. Returns the
   * tree (values already multiplied by the learning rate).
   */
  grow(gradientHessian: Float64Array, raw: Float64Array, offset: number): FlatTree {
    const n = this.data.nRows;
    const gh = gradientHessian.subarray(2 * offset, 2 * (offset + n));
    const { params, halves } = this;
    const rows = halves.rows[0]!;
    for (let i = 0; i < n; i++) rows[i] = i;
    const builder = new TreeBuilder(1, 2 * (params.maxLeafNodes ?? 64));
    const leaves: GrowingNode[] = [];
    const splittable: GrowingNode[] = [];

    const rootHist = this.takeHistogram();
    const [sumGradient, sumHessian] = halves.root(gh, rootHist);
    const root = this.node(builder.addNode(), 0, 0, n, 0, sumGradient, sumHessian, 0);
    if (n < 2 * params.minSamplesLeaf || sumHessian < params.minHessianToSplit) {
      this.freeHistograms.push(rootHist);
      leaves.push(root);
    } else {
      setRootCounts(rootHist, this.rootCounts);
      root.hist = rootHist;
      this.findSplitOrFinalize(root, leaves, splittable);
    }

    while (splittable.length > 0) {
      const node = popBestNode(splittable);
      const split = node.split;
      // Counts are float sums of whole numbers; | 0 keeps the row positions small integers for V8.
      const nLeft = split.nLeft | 0;
      const mid = node.start + nLeft;
      const depth = node.depth + 1;

      let leftIsLeaf = false;
      let rightIsLeaf = false;
      let lastSplit = false;
      if (params.maxLeafNodes !== null && leaves.length + splittable.length + 2 >= params.maxLeafNodes) {
        lastSplit = true;
        leftIsLeaf = rightIsLeaf = true;
      } else if (params.maxDepth !== null && depth >= params.maxDepth) {
        leftIsLeaf = rightIsLeaf = true;
      } else {
        leftIsLeaf = mid - node.start < 2 * params.minSamplesLeaf;
        rightIsLeaf = node.end - mid < 2 * params.minSamplesLeaf;
      }
      const needHistograms = !leftIsLeaf || !rightIsLeaf;
      const smallIsLeft = mid - node.start < node.end - mid;
      const smallHist = needHistograms ? this.takeHistogram() : null;
      this.setGoesLeft(split);
      halves.split(
        gh,
        { from: node.rows, start: node.start, end: node.end, nLeft, feature: split.feature, smallIsLeft },
        smallHist,
      );

      const childRows = 1 - node.rows;
      const left = this.node(
        builder.addNode(),
        childRows,
        node.start,
        mid,
        depth,
        split.sumGradientLeft,
        split.sumHessianLeft,
        split.valueLeft,
      );
      const right = this.node(
        builder.addNode(),
        childRows,
        mid,
        node.end,
        depth,
        split.sumGradientRight,
        split.sumHessianRight,
        split.valueRight,
      );
      // Without missing values in training, missing values at prediction go to the bigger child.
      if (this.data.hasMissing[split.feature] === 0) split.missingGoesLeft = split.nLeft > split.nRight;
      this.recordSplit(builder, node, split, left.id, right.id);

      if (smallHist) {
        // The larger child's histogram is the parent's minus the smaller one, in the parent's buffer.
        const parentHist = node.hist!;
        node.hist = null;
        subtractHistogram(parentHist, smallHist);
        left.hist = smallIsLeft ? smallHist : parentHist;
        right.hist = smallIsLeft ? parentHist : smallHist;
      }
      if (lastSplit) leaves.push(left, right, ...splittable.splice(0));
      else {
        if (leftIsLeaf) leaves.push(left);
        else this.findSplitOrFinalize(left, leaves, splittable);
        if (rightIsLeaf) leaves.push(right);
        else this.findSplitOrFinalize(right, leaves, splittable);
      }
      this.release(node);
      // Leaves keep their split record until the end; only their histograms go back to the pool now.
      if (leftIsLeaf) this.releaseHistogram(left);
      if (rightIsLeaf) this.releaseHistogram(right);
    }

    for (const leaf of leaves) {
      const value = leaf.value * params.learningRate;
      builder.setScalarValue(leaf.id, value, leaf.end - leaf.start);
      addToRows(raw, offset, halves.rows[leaf.rows]!, leaf.start, leaf.end, value);
      this.release(leaf);
    }
    return builder.finish();
  }

  private node(
    id: number,
    rows: number,
    start: number,
    end: number,
    depth: number,
    sumGradient: number,
    sumHessian: number,
    value: number,
  ): GrowingNode {
    const split = this.freeSplits.pop() ?? emptySplit();
    return { id, rows, start, end, depth, sumGradient, sumHessian, value, hist: null, split };
  }

  private findSplitOrFinalize(node: GrowingNode, leaves: GrowingNode[], splittable: GrowingNode[]): void {
    this.finder.find(
      node.hist!,
      node.end - node.start,
      node.sumGradient,
      node.sumHessian,
      node.value,
      node.split,
    );
    if (node.split.gain > 0) splittable.push(node);
    else {
      leaves.push(node);
      this.releaseHistogram(node);
    }
  }

  /** The split's goes-left table, per bin of its feature (numeric threshold or category set, and missing). */
  private setGoesLeft(split: SplitInfo): void {
    const { goesLeft } = this.halves;
    if (split.isCategorical) {
      const set = split.leftBins;
      for (let b = 0; b < 256; b++) goesLeft[b] = (set[b >>> 5]! >>> (b & 31)) & 1;
    } else {
      for (let b = 0; b < 256; b++) goesLeft[b] = b <= split.bin ? 1 : 0;
      goesLeft[this.data.nBins[split.feature]!] = split.missingGoesLeft ? 1 : 0;
    }
  }

  private recordSplit(
    builder: TreeBuilder,
    node: GrowingNode,
    split: SplitInfo,
    left: number,
    right: number,
  ): void {
    const f = split.feature;
    builder.setScalarValue(node.id, node.value * this.params.learningRate, node.end - node.start);
    if (split.isCategorical) {
      const codes = codeBitsetFromBins(split.leftBins, this.data.categoryBins[f]!, split.missingGoesLeft);
      builder.setCategoricalSplit(node.id, f, split.leftBins, codes, split.missingGoesLeft, left, right);
      return;
    }
    const edges = this.data.thresholds[f]!;
    // The last non-missing bin as threshold means "every value left, missing right".
    const threshold = split.bin < edges.length ? edges[split.bin]! : Number.POSITIVE_INFINITY;
    builder.setNumericSplit(node.id, f, split.bin, threshold, split.missingGoesLeft, left, right);
  }

  private takeHistogram(): Float64Array {
    return this.freeHistograms.pop() ?? new Float64Array(SLOT * this.data.histogramSlots);
  }

  private releaseHistogram(node: GrowingNode): void {
    if (node.hist) this.freeHistograms.push(node.hist);
    node.hist = null;
  }

  private release(node: GrowingNode): void {
    this.releaseHistogram(node);
    this.freeSplits.push(node.split);
  }
}

/** Removes and returns the node with the largest gain (first on ties, as a stable heap would). */
function popBestNode(nodes: GrowingNode[]): GrowingNode {
  let best = 0;
  for (let i = 1; i < nodes.length; i++) if (nodes[i]!.split.gain > nodes[best]!.split.gain) best = i;
  const [node] = nodes.splice(best, 1);
  return node!;
}

function addToRows(
  raw: Float64Array,
  offset: number,
  rows: Uint32Array,
  start: number,
  end: number,
  value: number,
): void {
  for (let i = start; i < end; i++) raw[offset + rows[i]!]! += value;
}
