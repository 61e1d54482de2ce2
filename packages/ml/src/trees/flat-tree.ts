import {
  decodeFloat64,
  decodeInt32,
  decodeUint8,
  decodeUint32,
  type EncodedArray,
  encodeFloat64,
  encodeInt32,
  encodeUint8,
  encodeUint32,
} from "./typed-array-codec.js";

/**
 * One fitted tree as parallel typed arrays indexed by node id (root = 0). This is the only tree
 * representation: prediction, TreeSHAP, serialisation and the ONNX TreeEnsemble export all read it.
 *
 * An internal node sends a row left when
 *   - numeric split:      x <= threshold[node]            (binned: bin <= binThreshold[node])
 *   - categorical split:  code x is in the node's code bitset (binned: bin in its bin bitset)
 *   - missing x (NaN):    missingGoesLeft[node] === 1
 * Leaves have feature -1. `value` holds nOutputs numbers per node: class fractions for forest
 * classifiers, the mean for regressors, the (already shrunk) raw score for boosted trees.
 * `cover` is the training weight that reached the node (what path-dependent TreeSHAP weighs by).
 */
export interface FlatTree {
  readonly nNodes: number;
  readonly nOutputs: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly binThreshold: Uint8Array;
  readonly missingGoesLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Index k of the node's categorical split, or -1 for numeric splits and leaves. */
  readonly categorySplit: Int32Array;
  /** 8 words (256 bits) per categorical split k: the bins that go left. */
  readonly binBitsets: Uint32Array;
  /** Per categorical split k: where its code bitset starts in `codeBitsets`, and its length in words. */
  readonly codeBitsetStart: Int32Array;
  readonly codeBitsetWords: Int32Array;
  /** Category codes (in the training levels) that go left; codes absent from training follow missing. */
  readonly codeBitsets: Uint32Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;
}

/** Words of a split's bin bitset: 256 bits, one per possible bin. */
export const BIN_BITSET_WORDS = 8;

/** Whether value v of the node's split feature goes to the left child (v NaN = missing). */
export function goesLeft(tree: FlatTree, node: number, v: number): boolean {
  if (Number.isNaN(v)) return tree.missingGoesLeft[node] === 1;
  const k = tree.categorySplit[node]!;
  return k < 0 ? v <= tree.threshold[node]! : codeGoesLeft(tree, k, v, tree.missingGoesLeft[node] === 1);
}

/** The leaf a row reaches; the row's d features start at `x[offset]` (row-major, NaN = missing). */
export function leafOfRow(tree: FlatTree, x: ArrayLike<number>, offset: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  let f = feature[0]!;
  while (f >= 0) {
    const v = x[offset + f]!;
    const t = threshold[node]!;
    // Fast path for numeric splits. Both comparisons are false for a missing value and for a
    // categorical split (whose threshold is NaN): those take the general path.
    if (v <= t) node = left[node]!;
    else if (v > t) node = right[node]!;
    else node = goesLeft(tree, node, v) ? left[node]! : right[node]!;
    f = feature[node]!;
  }
  return node;
}

function codeGoesLeft(tree: FlatTree, split: number, code: number, missingGoesLeft: boolean): boolean {
  const words = tree.codeBitsetWords[split]!;
  // Codes beyond the training dictionary are unknown categories: they follow missing values.
  if (code < 0 || code >= words * 32 || code !== Math.floor(code)) return missingGoesLeft;
  const word = tree.codeBitsets[tree.codeBitsetStart[split]! + (code >>> 5)]!;
  return (word & (1 << (code & 31))) !== 0;
}

/** The leaf a binned row reaches (`bins` column-major with `nRows` rows; `missingBin[f]` = nBins of f). */
export function leafOfBinnedRow(
  tree: FlatTree,
  bins: Uint8Array,
  nRows: number,
  row: number,
  missingBin: Uint8Array,
): number {
  const { feature, binThreshold, left, right, missingGoesLeft, categorySplit, binBitsets } = tree;
  let node = 0;
  let f = feature[0]!;
  while (f >= 0) {
    const b = bins[f * nRows + row]!;
    let goLeft: boolean;
    if (b === missingBin[f]) {
      goLeft = missingGoesLeft[node] === 1;
    } else {
      const k = categorySplit[node]!;
      goLeft = k < 0 ? b <= binThreshold[node]! : (binBitsets[k * 8 + (b >>> 5)]! & (1 << (b & 31))) !== 0;
    }
    node = goLeft ? left[node]! : right[node]!;
    f = feature[node]!;
  }
  return node;
}

/** Deepest root-to-leaf path length (edges). */
export function treeDepth(tree: FlatTree): number {
  const depth = new Int32Array(tree.nNodes);
  let max = 0;
  // Children always have larger ids than their parent in every grower here.
  for (let node = 0; node < tree.nNodes; node++) {
    if (tree.feature[node]! < 0) continue;
    const d = depth[node]! + 1;
    depth[tree.left[node]!] = d;
    depth[tree.right[node]!] = d;
    if (d > max) max = d;
  }
  return max;
}

export function leafCount(tree: FlatTree): number {
  let leaves = 0;
  for (let node = 0; node < tree.nNodes; node++) if (tree.feature[node]! < 0) leaves++;
  return leaves;
}

export type FlatTreeJSON = {
  readonly nNodes: number;
  readonly nOutputs: number;
  readonly feature: EncodedArray;
  readonly threshold: EncodedArray;
  readonly binThreshold: EncodedArray;
  readonly missingGoesLeft: EncodedArray;
  readonly left: EncodedArray;
  readonly right: EncodedArray;
  readonly categorySplit: EncodedArray;
  readonly binBitsets: EncodedArray;
  readonly codeBitsetStart: EncodedArray;
  readonly codeBitsetWords: EncodedArray;
  readonly codeBitsets: EncodedArray;
  readonly value: EncodedArray;
  readonly cover: EncodedArray;
};

export function flatTreeToJSON(tree: FlatTree): FlatTreeJSON {
  return {
    nNodes: tree.nNodes,
    nOutputs: tree.nOutputs,
    feature: encodeInt32(tree.feature),
    threshold: encodeFloat64(tree.threshold),
    binThreshold: encodeUint8(tree.binThreshold),
    missingGoesLeft: encodeUint8(tree.missingGoesLeft),
    left: encodeInt32(tree.left),
    right: encodeInt32(tree.right),
    categorySplit: encodeInt32(tree.categorySplit),
    binBitsets: encodeUint32(tree.binBitsets),
    codeBitsetStart: encodeInt32(tree.codeBitsetStart),
    codeBitsetWords: encodeInt32(tree.codeBitsetWords),
    codeBitsets: encodeUint32(tree.codeBitsets),
    value: encodeFloat64(tree.value),
    cover: encodeFloat64(tree.cover),
  };
}

export function flatTreeFromJSON(json: FlatTreeJSON): FlatTree {
  const tree: FlatTree = {
    nNodes: json.nNodes,
    nOutputs: json.nOutputs,
    feature: decodeInt32(json.feature),
    threshold: decodeFloat64(json.threshold),
    binThreshold: decodeUint8(json.binThreshold),
    missingGoesLeft: decodeUint8(json.missingGoesLeft),
    left: decodeInt32(json.left),
    right: decodeInt32(json.right),
    categorySplit: decodeInt32(json.categorySplit),
    binBitsets: decodeUint32(json.binBitsets),
    codeBitsetStart: decodeInt32(json.codeBitsetStart),
    codeBitsetWords: decodeInt32(json.codeBitsetWords),
    codeBitsets: decodeUint32(json.codeBitsets),
    value: decodeFloat64(json.value),
    cover: decodeFloat64(json.cover),
  };
  if (tree.feature.length !== tree.nNodes || tree.value.length !== tree.nNodes * tree.nOutputs) {
    throw new Error("Corrupt tree in model JSON: array lengths do not match nNodes");
  }
  return tree;
}

/** The tree's arrays as transferable buffers, so a worker hands a grown tree over without copying. */
export function transferableBuffers(tree: FlatTree): ArrayBuffer[] {
  return [
    tree.feature,
    tree.threshold,
    tree.binThreshold,
    tree.missingGoesLeft,
    tree.left,
    tree.right,
    tree.categorySplit,
    tree.binBitsets,
    tree.codeBitsetStart,
    tree.codeBitsetWords,
    tree.codeBitsets,
    tree.value,
    tree.cover,
  ].map((a) => a.buffer as ArrayBuffer);
}
