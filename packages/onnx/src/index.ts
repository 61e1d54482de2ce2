export { attr } from "./attributes.js";
export { encodeModel } from "./encode.js";
export {
  type ClassLabels,
  type LinearClassifierOptions,
  type LinearRegressorOptions,
  linearClassifier,
  linearRegressor,
  type NormalizerOptions,
  normalizer,
  type PostTransform,
  type ScalerOptions,
  scaler,
  type TreeEnsembleClassifierOptions,
  type TreeEnsembleRegressorOptions,
  treeEnsembleClassifier,
  treeEnsembleRegressor,
} from "./ml.js";
export {
  type BranchMode,
  type FlatTrees,
  flattenTrees,
  type LeafWeight,
  type TreeBranch,
  type TreeLeaf,
  type TreeNode,
} from "./trees.js";
export * from "./types.js";
