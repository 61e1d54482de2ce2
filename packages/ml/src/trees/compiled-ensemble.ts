import type { Frame } from "../frame/frame.js";
import { type BinMapper, binOfValue } from "./binning.js";
import { rowMajorFeatures } from "./feature-schema.js";
import { goesLeft } from "./flat-tree.js";
import type { TreeEnsemble } from "./tree-ensemble.js";

/**
 * An ensemble packed for prediction. A row is first binned with the model's own bin edges (a binary
 * search per feature; x <= threshold of a split is exactly bin(x) <= its bin, see binning.ts), then
 * walks trees whose nodes take 8 bytes each in one Int32Array, eight to a cache line:
 *
 *   [2i]      internal node: feature | split bin << 16 | MISSING_LEFT | CATEGORICAL; leaf: -1
 *   [2i + 1]  internal node: index of its right child (the left child is node i + 1);
 *             leaf: offset of its values in `values`
 *
 * Each tree's nodes are renumbered in depth-first preorder, so every step to a left child reads the
 * next record. Categorical splits (boosting) take a slow path through the flat tree. The flat trees
 * stay the model (for TreeSHAP, ONNX export and saving); this is a cache built on first use, and it
 * gives the very numbers rawOutputOfRow gives (same leaves, same order of additions).
 */
export interface CompiledEnsemble {
  readonly nodes: Int32Array;
  /** Per compiled node: its id in its flat tree (for categorical splits). */
  readonly origin: Int32Array;
  readonly roots: Int32Array;
  readonly values: Float64Array;
  readonly ensemble: TreeEnsemble;
  /** Per feature: numeric bin edges, or null for a categorical feature (not binned here). */
  readonly edges: readonly (Float64Array | null)[];
  /** Scratch: the bins of the row being predicted. */
  readonly rowBins: Uint8Array;
}

const MISSING_LEFT = 1 << 24;
const CATEGORICAL = 1 << 25;
const FEATURE = 0xffff;
/** The bin a missing value gets here (real bins are 0..254). */
const MISSING = 255;

export function compileEnsemble(ensemble: TreeEnsemble, mapper: BinMapper): CompiledEnsemble {
  const { trees, treeOutput, nOutputs } = ensemble;
  const width = treeOutput ? 1 : nOutputs;
  let count = 0;
  let leaves = 0;
  let largest = 1;
  for (const tree of trees) {
    count += tree.nNodes;
    largest = Math.max(largest, tree.nNodes);
    for (let node = 0; node < tree.nNodes; node++) if (tree.feature[node]! < 0) leaves++;
  }
  const nodes = new Int32Array(2 * count);
  const origin = new Int32Array(count);
  const roots = new Int32Array(trees.length);
  const values = new Float64Array(leaves * width);
  // Depth-first preorder: a node's left child is placed right after it, its right child after the
  // whole left subtree. `stack` holds flat nodes still to place; `parentOf` the compiled node whose
  // right-child slot a flat node fills (-1 for left children and roots).
  const stack = new Int32Array(largest);
  const parentOf = new Int32Array(largest);
  let next = 0;
  let valueAt = 0;
  trees.forEach((tree, t) => {
    roots[t] = next;
    stack[0] = 0;
    parentOf[0] = -1;
    let top = 1;
    while (top > 0) {
      const node = stack[--top]!;
      const i = next++;
      origin[i] = node;
      if (parentOf[node]! >= 0) nodes[2 * parentOf[node]! + 1] = i;
      const f = tree.feature[node]!;
      if (f < 0) {
        nodes[2 * i] = -1;
        nodes[2 * i + 1] = valueAt;
        for (let k = 0; k < width; k++) values[valueAt++] = tree.value[node * tree.nOutputs + k]!;
        continue;
      }
      if (f > FEATURE) throw new Error(`Feature index ${f} is too large to compile`);
      const categorical = tree.categorySplit[node]! >= 0;
      nodes[2 * i] =
        f |
        (tree.binThreshold[node]! << 16) |
        (tree.missingGoesLeft[node] === 1 ? MISSING_LEFT : 0) |
        (categorical ? CATEGORICAL : 0);
      const left = tree.left[node]!;
      const right = tree.right[node]!;
      parentOf[left] = -1;
      parentOf[right] = i;
      stack[top++] = right;
      stack[top++] = left;
    }
  });
  const edges = mapper.features.map((f) => (f.splitKind === "numeric" ? f.thresholds : null));
  return { nodes, origin, roots, values, ensemble, edges, rowBins: new Uint8Array(edges.length) };
}

/** Bins the row at x[offset] into out[at…] (missing: 255; categorical features are left alone). */
function binRow(
  c: CompiledEnsemble,
  x: ArrayLike<number>,
  offset: number,
  out: Uint8Array,
  at: number,
): void {
  const { edges } = c;
  for (let f = 0; f < edges.length; f++) {
    const e = edges[f];
    if (!e) continue;
    const v = x[offset + f]!;
    if (Number.isNaN(v)) {
      out[at + f] = MISSING;
      continue;
    }
    out[at + f] = binOfValue(e, v);
  }
}

/**
 * The compiled index of the leaf a row reaches in tree t: its bins at bins[at…], its values at
 * x[offset…] (read only by categorical splits).
 */
function leafOf(
  c: CompiledEnsemble,
  t: number,
  bins: Uint8Array,
  at: number,
  x: ArrayLike<number>,
  offset: number,
): number {
  const { nodes } = c;
  let i = c.roots[t]!;
  let meta = nodes[2 * i]!;
  while (meta >= 0) {
    if ((meta & CATEGORICAL) !== 0) {
      const v = x[offset + (meta & FEATURE)]!;
      i = goesLeft(c.ensemble.trees[t]!, c.origin[i]!, v) ? i + 1 : nodes[2 * i + 1]!;
    } else {
      const b = bins[at + (meta & FEATURE)]!;
      if (b <= ((meta >>> 16) & 0xff) || (b === MISSING && (meta & MISSING_LEFT) !== 0)) i = i + 1;
      else i = nodes[2 * i + 1]!;
    }
    meta = nodes[2 * i]!;
  }
  return i;
}

/** rawOutputOfRow on the compiled form: raw outputs of the row at x[offset] into out[outOffset…]. */
export function compiledRawOutputOfRow(
  c: CompiledEnsemble,
  x: ArrayLike<number>,
  offset: number,
  out: Float64Array,
  outOffset = 0,
): void {
  const { nOutputs, treeOutput, treeWeight, baseline, trees } = c.ensemble;
  const { nodes, values, rowBins } = c;
  binRow(c, x, offset, rowBins, 0);
  for (let k = 0; k < nOutputs; k++) out[outOffset + k] = 0;
  if (treeOutput) {
    for (let t = 0; t < trees.length; t++) {
      out[outOffset + treeOutput[t]!]! += values[nodes[2 * leafOf(c, t, rowBins, 0, x, offset) + 1]!]!;
    }
  } else {
    for (let t = 0; t < trees.length; t++) {
      const at = nodes[2 * leafOf(c, t, rowBins, 0, x, offset) + 1]!;
      for (let k = 0; k < nOutputs; k++) out[outOffset + k]! += values[at + k]!;
    }
  }
  for (let k = 0; k < nOutputs; k++) out[outOffset + k] = baseline[k]! + treeWeight * out[outOffset + k]!;
}

/**
 * Raw outputs for every row of a frame, row-major (n × nOutputs). Tree by tree over all rows, so one
 * tree's nodes stay in cache while every row walks it; each row still adds its trees' values in tree
 * order, so the numbers are compiledRawOutputOfRow's.
 */
export function compiledRawOutputs(c: CompiledEnsemble, frame: Frame): Float64Array {
  const { schema, nOutputs, treeOutput, treeWeight, baseline, trees } = c.ensemble;
  const { nodes, values } = c;
  const d = schema.length;
  const n = frame.nRows;
  const x = rowMajorFeatures(schema, frame);
  const bins = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) binRow(c, x, i * d, bins, i * d);
  const out = new Float64Array(n * nOutputs);
  for (let t = 0; t < trees.length; t++) {
    if (treeOutput) {
      const k = treeOutput[t]!;
      for (let i = 0; i < n; i++) {
        out[i * nOutputs + k]! += values[nodes[2 * leafOf(c, t, bins, i * d, x, i * d) + 1]!]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const at = nodes[2 * leafOf(c, t, bins, i * d, x, i * d) + 1]!;
        for (let k = 0; k < nOutputs; k++) out[i * nOutputs + k]! += values[at + k]!;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < nOutputs; k++)
      out[i * nOutputs + k] = baseline[k]! + treeWeight * out[i * nOutputs + k]!;
  }
  return out;
}
