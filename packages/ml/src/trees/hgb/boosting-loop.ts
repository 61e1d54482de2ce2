import { type BinnedDataset, missingBins } from "../binning.js";
import { type FlatTree, leafOfBinnedRow } from "../flat-tree.js";
import { boostingData } from "./boosting-data.js";
import type { GrowerParams } from "./boosting-grower.js";
import { type IterationTrees, RowParallelIterationTrees, SerialIterationTrees } from "./iteration-trees.js";
import type { BoostingLoss } from "./losses.js";
import { ParallelIterationTrees } from "./parallel-iteration-trees.js";

export interface EarlyStopping {
  readonly nIterNoChange: number;
  readonly tol: number;
  /** Binned hold-out rows and their targets; null scores on the training loss instead. */
  readonly validation: { readonly data: BinnedDataset; readonly y: Float64Array } | null;
}

export interface BoostingResult {
  readonly trees: FlatTree[];
  /** Output (class) each tree adds to. */
  readonly treeOutput: Int32Array;
  readonly baseline: Float64Array;
  readonly nIter: number;
  /** −loss after 0, 1, … iterations (only with early stopping, as scikit-learn's train_score_). */
  readonly trainScore: number[];
  readonly validationScore: number[];
}

/**
 * Gradient boosting: from the loss's baseline, each iteration computes gradients and hessians of all
 * outputs once, then grows one tree per output on them (K trees per iteration for K classes), sharing
 * the binned data and the grower's buffers. With early stopping the loss is scored before the first
 * and after every iteration; fitting stops when none of the last `nIterNoChange` scores beats the one
 * before them by more than `tol` (scikit-learn's rule).
 */
export function boost(
  train: BinnedDataset,
  y: Float64Array,
  loss: BoostingLoss,
  grower: GrowerParams,
  maxIter: number,
  earlyStopping: EarlyStopping | null,
  threads = 1,
): BoostingResult {
  const k = loss.nOutputs;
  const data = boostingData(train);
  // Multiclass: whole per-class trees on worker threads; single output: each tree's row work in halves.
  const builder: IterationTrees =
    threads <= 1
      ? new SerialIterationTrees(data, grower, k, loss.constantHessian)
      : k > 1
        ? new ParallelIterationTrees(data, grower, k, loss.constantHessian, threads)
        : new RowParallelIterationTrees(data, grower, loss.constantHessian);
  try {
    return boostWith(builder, train.nRows, y, loss, maxIter, earlyStopping);
  } finally {
    builder.close();
  }
}

function boostWith(
  builder: IterationTrees,
  n: number,
  y: Float64Array,
  loss: BoostingLoss,
  maxIter: number,
  earlyStopping: EarlyStopping | null,
): BoostingResult {
  const k = loss.nOutputs;
  const baseline = loss.baseline(y);
  const raw = builder.allocate(k * n);
  for (let j = 0; j < k; j++) raw.fill(baseline[j]!, j * n, (j + 1) * n);
  const gradientHessian = builder.allocate(2 * k * n);

  const validation = earlyStopping?.validation ?? null;
  const nv = validation ? validation.data.nRows : 0;
  const rawValidation = new Float64Array(k * nv);
  for (let j = 0; j < k; j++) rawValidation.fill(baseline[j]!, j * nv, (j + 1) * nv);
  const validationMissing = validation ? missingBins(validation.data.mapper) : new Uint8Array(0);

  const trees: FlatTree[] = [];
  const treeOutput: number[] = [];
  const trainScore: number[] = [];
  const validationScore: number[] = [];
  const score = () => {
    trainScore.push(-loss.meanLoss(y, raw));
    if (validation) validationScore.push(-loss.meanLoss(validation.y, rawValidation));
  };
  if (earlyStopping) score();

  let nIter = 0;
  while (nIter < maxIter) {
    builder.gradients(loss, y, raw, gradientHessian);
    builder.build(gradientHessian, raw).forEach((tree, j) => {
      trees.push(tree);
      treeOutput.push(j);
      if (validation) addTree(tree, validation.data, validationMissing, rawValidation, j * nv);
    });
    nIter++;
    if (earlyStopping) {
      score();
      if (shouldStop(validation ? validationScore : trainScore, earlyStopping)) break;
    }
  }
  return { trees, treeOutput: Int32Array.from(treeOutput), baseline, nIter, trainScore, validationScore };
}

function addTree(
  tree: FlatTree,
  data: BinnedDataset,
  missing: Uint8Array,
  raw: Float64Array,
  offset: number,
): void {
  for (let i = 0; i < data.nRows; i++) {
    raw[offset + i]! += tree.value[leafOfBinnedRow(tree, data.bins, data.nRows, i, missing)]!;
  }
}

/** True when none of the last nIterNoChange scores improved on the score before them by more than tol. */
export function shouldStop(scores: readonly number[], rule: { nIterNoChange: number; tol: number }): boolean {
  const reference = rule.nIterNoChange + 1;
  if (scores.length < reference) return false;
  const threshold = scores[scores.length - reference]! + rule.tol;
  for (let i = scores.length - reference + 1; i < scores.length; i++)
    if (scores[i]! > threshold) return false;
  return true;
}
