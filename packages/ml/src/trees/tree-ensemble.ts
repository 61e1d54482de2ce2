import type { Frame } from "../frame/frame.js";
import { type FeatureSchema, rowMajorFeatures } from "./feature-schema.js";
import { type FlatTree, leafOfRow } from "./flat-tree.js";

/**
 * Every tree model seen as one additive ensemble of flat trees:
 *   raw[k] = baseline[k] + treeWeight · Σ_t value_t(leaf_t(x))[k]
 * A decision tree is one tree with weight 1; a forest averages (weight 1/T); boosting adds single-output
 * trees to the output `treeOutput[t]` on top of its baseline. Prediction, TreeSHAP and the ONNX export
 * all work from this view, so they agree by construction.
 */
export interface TreeEnsemble {
  readonly schema: FeatureSchema;
  readonly trees: readonly FlatTree[];
  readonly nOutputs: number;
  /** For single-output trees: the output each tree adds to. null when trees carry all nOutputs values. */
  readonly treeOutput: Int32Array | null;
  readonly treeWeight: number;
  readonly baseline: Float64Array;
}

/** Raw outputs of the row whose features start at x[offset], written to out[outOffset..+nOutputs). */
export function rawOutputOfRow(
  ensemble: TreeEnsemble,
  x: ArrayLike<number>,
  offset: number,
  out: Float64Array,
  outOffset = 0,
): void {
  const { trees, nOutputs, treeOutput, treeWeight, baseline } = ensemble;
  for (let k = 0; k < nOutputs; k++) out[outOffset + k] = 0;
  if (treeOutput) {
    for (let t = 0; t < trees.length; t++) {
      const tree = trees[t]!;
      out[outOffset + treeOutput[t]!]! += tree.value[leafOfRow(tree, x, offset)]!;
    }
  } else {
    for (let t = 0; t < trees.length; t++) {
      const tree = trees[t]!;
      const base = leafOfRow(tree, x, offset) * nOutputs;
      for (let k = 0; k < nOutputs; k++) out[outOffset + k]! += tree.value[base + k]!;
    }
  }
  for (let k = 0; k < nOutputs; k++) out[outOffset + k] = baseline[k]! + treeWeight * out[outOffset + k]!;
}

/** Raw outputs for every row of a frame, row-major (n × nOutputs). */
export function rawOutputs(ensemble: TreeEnsemble, frame: Frame): Float64Array {
  const d = ensemble.schema.length;
  const x = rowMajorFeatures(ensemble.schema, frame);
  const out = new Float64Array(frame.nRows * ensemble.nOutputs);
  for (let i = 0; i < frame.nRows; i++) rawOutputOfRow(ensemble, x, i * d, out, i * ensemble.nOutputs);
  return out;
}
