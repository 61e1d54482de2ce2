import type { Frame } from "../frame/frame.js";
import { rowMajorFeatures } from "../trees/feature-schema.js";
import { type FlatTree, goesLeft, treeDepth } from "../trees/flat-tree.js";
import type { TreeEnsemble } from "../trees/tree-ensemble.js";

/**
 * Exact TreeSHAP, path-dependent variant (Lundberg, Erion & Lee 2018, "Consistent individualized
 * feature attribution for tree ensembles", Algorithm 2), a port of the shap package's
 * `tree_shap_recursive`. The expectation over absent features follows the training cover of each
 * branch, so for every row and output:
 *   Σ_f values[f] + expectedValue = the model's raw output
 * (class fractions for forests, log-odds / class scores for boosting). Cost: O(trees · leaves · depth²)
 * per row, so deep unpruned forests are slow to explain.
 */
export interface ShapValues {
  readonly nRows: number;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly featureNames: readonly string[];
  /** values[(i * nFeatures + f) * nOutputs + k]: feature f's contribution to output k of row i. */
  readonly values: Float64Array;
  /** Per output: the cover-weighted mean raw output over the training data. */
  readonly expectedValue: Float64Array;
}

export interface HasTreeEnsemble {
  treeEnsemble(): TreeEnsemble;
}

export function treeShap(model: HasTreeEnsemble | TreeEnsemble, frame: Frame): ShapValues {
  const ensemble = "treeEnsemble" in model ? model.treeEnsemble() : model;
  const d = ensemble.schema.length;
  const k = ensemble.nOutputs;
  const x = rowMajorFeatures(ensemble.schema, frame);
  const values = new Float64Array(frame.nRows * d * k);
  const explainer = new TreeShapExplainer(ensemble);
  for (let i = 0; i < frame.nRows; i++) explainer.explainRow(x, i * d, values, i * d * k);
  return {
    nRows: frame.nRows,
    nFeatures: d,
    nOutputs: k,
    featureNames: ensemble.schema.map((s) => s.name),
    values,
    expectedValue: explainer.expectedValue,
  };
}

/** Reusable per-ensemble state: path buffers sized for the deepest tree, per-tree scratch. */
export class TreeShapExplainer {
  readonly expectedValue: Float64Array;
  private readonly path: PathBuffer;
  private readonly treePhi: Float64Array;

  constructor(private readonly ensemble: TreeEnsemble) {
    const k = ensemble.nOutputs;
    this.expectedValue = Float64Array.from(ensemble.baseline);
    let maxDepth = 0;
    for (let t = 0; t < ensemble.trees.length; t++) {
      const tree = ensemble.trees[t]!;
      maxDepth = Math.max(maxDepth, treeDepth(tree));
      const expected = treeExpectation(tree);
      if (ensemble.treeOutput)
        this.expectedValue[ensemble.treeOutput[t]!]! += ensemble.treeWeight * expected[0]!;
      else for (let j = 0; j < k; j++) this.expectedValue[j]! += ensemble.treeWeight * expected[j]!;
    }
    this.path = new PathBuffer(((maxDepth + 2) * (maxDepth + 3)) / 2);
    this.treePhi = new Float64Array(ensemble.schema.length * Math.max(1, k));
  }

  /** Adds the row's attributions (d × nOutputs) to out[outOffset ...]. */
  explainRow(x: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void {
    const { trees, treeOutput, treeWeight, nOutputs } = this.ensemble;
    const d = this.ensemble.schema.length;
    const phi = this.treePhi;
    for (let t = 0; t < trees.length; t++) {
      const tree = trees[t]!;
      const width = tree.nOutputs;
      phi.fill(0, 0, d * width);
      if (tree.feature[0]! >= 0) {
        recurse(tree, x, offset, phi, width, this.path, 0, 0, 0, 1, 1, -1);
      }
      if (treeOutput) {
        const j = treeOutput[t]!;
        for (let f = 0; f < d; f++) out[outOffset + f * nOutputs + j]! += treeWeight * phi[f]!;
      } else {
        for (let f = 0; f < d; f++) {
          for (let j = 0; j < nOutputs; j++)
            out[outOffset + f * nOutputs + j]! += treeWeight * phi[f * width + j]!;
        }
      }
    }
  }
}

/** Cover-weighted mean of the leaf values (the tree's output with every feature unknown). */
export function treeExpectation(tree: FlatTree): Float64Array {
  const k = tree.nOutputs;
  const out = new Float64Array(k);
  const root = tree.cover[0]!;
  for (let node = 0; node < tree.nNodes; node++) {
    if (tree.feature[node]! >= 0) continue;
    const share = tree.cover[node]! / root;
    for (let j = 0; j < k; j++) out[j]! += share * tree.value[node * k + j]!;
  }
  return out;
}

/** The "unique path" of Algorithm 2, as parallel arrays; each recursion level works on its own slice. */
class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

function extendPath(
  p: PathBuffer,
  at: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  p.weight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.weight[at + i + 1]! += (one * p.weight[at + i]! * (i + 1)) / (depth + 1);
    p.weight[at + i] = (zero * p.weight[at + i]! * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: PathBuffer, at: number, depth: number, index: number): void {
  const one = p.one[at + index]!;
  const zero = p.zero[at + index]!;
  let nextOnePortion = p.weight[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[at + i]!;
      p.weight[at + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
      nextOnePortion = tmp - (p.weight[at + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      p.weight[at + i] = (p.weight[at + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1]!;
    p.zero[at + i] = p.zero[at + i + 1]!;
    p.one[at + i] = p.one[at + i + 1]!;
  }
}

/** Σ of the path weights with element `index` unwound, without modifying the path. */
function unwoundPathSum(p: PathBuffer, at: number, depth: number, index: number): number {
  const one = p.one[at + index]!;
  const zero = p.zero[at + index]!;
  let nextOnePortion = p.weight[at + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      nextOnePortion = p.weight[at + i]! - tmp * zero * ((depth - i) / (depth + 1));
    } else {
      total += p.weight[at + i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function recurse(
  tree: FlatTree,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  width: number,
  p: PathBuffer,
  node: number,
  parentAt: number,
  depth: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  // This level's path is a copy of the parent's placed right after it (the parent keeps its own for
  // the sibling call).
  const at = parentAt + depth + 1;
  for (let i = 0; i < depth; i++) {
    p.feature[at + i] = p.feature[parentAt + i]!;
    p.zero[at + i] = p.zero[parentAt + i]!;
    p.one[at + i] = p.one[parentAt + i]!;
    p.weight[at + i] = p.weight[parentAt + i]!;
  }
  extendPath(p, at, depth, parentZero, parentOne, parentFeature);
  const split = tree.feature[node]!;
  if (split < 0) {
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(p, at, depth, i);
      const scale = w * (p.one[at + i]! - p.zero[at + i]!);
      const f = p.feature[at + i]!;
      for (let j = 0; j < width; j++) phi[f * width + j]! += scale * tree.value[node * width + j]!;
    }
    return;
  }
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  const hot = goesLeft(tree, node, x[offset + split]!) ? left : right;
  const cold = hot === left ? right : left;
  const cover = tree.cover[node]!;
  const hotZero = tree.cover[hot]! / cover;
  const coldZero = tree.cover[cold]! / cover;
  let incomingZero = 1;
  let incomingOne = 1;
  let d = depth;
  let index = 0;
  while (index <= d && p.feature[at + index] !== split) index++;
  if (index !== d + 1) {
    incomingZero = p.zero[at + index]!;
    incomingOne = p.one[at + index]!;
    unwindPath(p, at, d, index);
    d -= 1;
  }
  recurse(tree, x, offset, phi, width, p, hot, at, d + 1, hotZero * incomingZero, incomingOne, split);
  recurse(tree, x, offset, phi, width, p, cold, at, d + 1, coldZero * incomingZero, 0, split);
}
