/**
 * Typed builders for the ai.onnx.ml operators Gyre exports and serves. Each returns a `Node`;
 * the caller wires it into a graph and imports the `ai.onnx.ml` opset (`DEFAULT_ML_OPSET`).
 * Classifiers output tensors only (a label tensor [N] and a score tensor [N, classes]): no
 * ZipMap, so the outputs stay typed arrays end to end.
 */
import { attr } from "./attributes.js";
import { flattenTrees, type TreeNode } from "./trees.js";
import { type AttributeValue, ML_DOMAIN, type Node } from "./types.js";

export type PostTransform = "NONE" | "SOFTMAX" | "LOGISTIC" | "SOFTMAX_ZERO" | "PROBIT";

/** Class labels are integers or strings; the label output's element type follows (int64 or string). */
export type ClassLabels = readonly number[] | readonly string[];

interface Common {
  /** Node name (optional in ONNX; useful in ORT error messages). */
  readonly name?: string;
  /** The input tensor [N, features]. */
  readonly input: string;
}

interface ClassifierOutputs {
  /** Output name of the predicted labels [N]. */
  readonly labelOutput: string;
  /** Output name of the class scores or probabilities [N, classes]. */
  readonly scoresOutput: string;
}

function mlNode(
  opType: string,
  options: Common,
  outputs: string[],
  attributes: Record<string, AttributeValue>,
): Node {
  return {
    opType,
    domain: ML_DOMAIN,
    ...(options.name === undefined ? {} : { name: options.name }),
    inputs: [options.input],
    outputs,
    attributes,
  };
}

function isStringLabels(labels: ClassLabels): labels is readonly string[] {
  return labels.length > 0 && typeof labels[0] === "string";
}

/** The label attribute under the operator's name for integer labels (they differ between operators). */
function classLabels(labels: ClassLabels, intAttribute: string): Record<string, AttributeValue> {
  if (labels.length === 0) throw new Error("A classifier needs at least one class label");
  return isStringLabels(labels)
    ? { classlabels_strings: attr.strings(labels) }
    : { [intAttribute]: attr.ints(labels as readonly number[]) };
}

export interface LinearClassifierOptions extends Common, ClassifierOutputs {
  /** Row-major [classes, features]; a binary model may give one row (the positive class). */
  readonly coefficients: ArrayLike<number>;
  /** One per coefficient row. */
  readonly intercepts?: ArrayLike<number>;
  readonly classLabels: ClassLabels;
  /** One-vs-rest scoring (ONNX `multi_class`); default false. */
  readonly multiClass?: boolean;
  readonly postTransform?: PostTransform;
}

/** `LinearClassifier`: scores = X · coefficientsᵀ + intercepts, then the post-transform. */
export function linearClassifier(options: LinearClassifierOptions): Node {
  return mlNode("LinearClassifier", options, [options.labelOutput, options.scoresOutput], {
    coefficients: attr.floats(options.coefficients),
    ...(options.intercepts ? { intercepts: attr.floats(options.intercepts) } : {}),
    ...classLabels(options.classLabels, "classlabels_ints"),
    multi_class: attr.int(options.multiClass ? 1 : 0),
    post_transform: attr.string(options.postTransform ?? "NONE"),
  });
}

export interface LinearRegressorOptions extends Common {
  readonly output: string;
  /** Row-major [targets, features]. */
  readonly coefficients: ArrayLike<number>;
  readonly intercepts?: ArrayLike<number>;
  /** Number of regression targets; default 1. */
  readonly targets?: number;
  readonly postTransform?: PostTransform;
}

/** `LinearRegressor`: Y [N, targets] = X · coefficientsᵀ + intercepts. */
export function linearRegressor(options: LinearRegressorOptions): Node {
  return mlNode("LinearRegressor", options, [options.output], {
    coefficients: attr.floats(options.coefficients),
    ...(options.intercepts ? { intercepts: attr.floats(options.intercepts) } : {}),
    targets: attr.int(options.targets ?? 1),
    post_transform: attr.string(options.postTransform ?? "NONE"),
  });
}

/**
 * Numbers as a float list attribute (`name`), or with `double` as a double tensor attribute
 * (`name_as_tensor`, ai.onnx.ml opset 3). onnxruntime (checked with 1.30) compares double inputs
 * against double thresholds when they come as a tensor, so bin edges that are not float32 values
 * keep their exact `x <= edge` decisions; with float attributes the edge is rounded first.
 */
function numbersAttribute(
  name: string,
  values: readonly number[],
  double: boolean,
): Record<string, AttributeValue> {
  return double
    ? {
        [`${name}_as_tensor`]: attr.tensor({ dataType: "double", doubleData: values, dims: [values.length] }),
      }
    : { [name]: attr.floats(values) };
}

/** The node arrays shared by both tree-ensemble operators. */
function treeNodeAttributes(
  flat: ReturnType<typeof flattenTrees>,
  double: boolean,
): Record<string, AttributeValue> {
  return {
    nodes_treeids: attr.ints(flat.nodeTreeIds),
    nodes_nodeids: attr.ints(flat.nodeIds),
    nodes_featureids: attr.ints(flat.featureIds),
    nodes_modes: attr.strings(flat.modes),
    ...numbersAttribute("nodes_values", flat.values, double),
    nodes_truenodeids: attr.ints(flat.trueIds),
    nodes_falsenodeids: attr.ints(flat.falseIds),
    nodes_missing_value_tracks_true: attr.ints(flat.missingTracksTrue),
  };
}

export interface TreeEnsembleClassifierOptions extends Common, ClassifierOutputs {
  /** Leaf weights target class indexes (positions in `classLabels`). */
  readonly trees: readonly TreeNode[];
  readonly classLabels: ClassLabels;
  /** Added to each class score before the post-transform. */
  readonly baseValues?: ArrayLike<number>;
  readonly postTransform?: PostTransform;
  /**
   * Thresholds, weights and base values as double tensors (opset 3 `*_as_tensor`); the input must
   * then be double. Default false (float attributes, any input type).
   */
  readonly double?: boolean;
}

/**
 * `TreeEnsembleClassifier`: each class score is the sum of its leaf weights over all trees.
 * Binary boosting (the skl2onnx layout) uses two labels, leaf weights on class 0 only and
 * LOGISTIC: onnxruntime then reports [1 − p, p].
 */
export function treeEnsembleClassifier(options: TreeEnsembleClassifierOptions): Node {
  const flat = flattenTrees(options.trees);
  const double = options.double ?? false;
  return mlNode("TreeEnsembleClassifier", options, [options.labelOutput, options.scoresOutput], {
    ...treeNodeAttributes(flat, double),
    class_treeids: attr.ints(flat.leafTreeIds),
    class_nodeids: attr.ints(flat.leafNodeIds),
    class_ids: attr.ints(flat.leafTargetIds),
    ...numbersAttribute("class_weights", flat.leafWeights, double),
    ...classLabels(options.classLabels, "classlabels_int64s"),
    ...(options.baseValues ? numbersAttribute("base_values", Array.from(options.baseValues), double) : {}),
    post_transform: attr.string(options.postTransform ?? "NONE"),
  });
}

export interface TreeEnsembleRegressorOptions extends Common {
  readonly output: string;
  /** Leaf weights target output columns (0 … targets − 1). */
  readonly trees: readonly TreeNode[];
  /** Number of regression targets; default 1. */
  readonly targets?: number;
  /** How trees combine; default SUM (boosting). Random forests use AVERAGE. */
  readonly aggregate?: "SUM" | "AVERAGE" | "MIN" | "MAX";
  readonly baseValues?: ArrayLike<number>;
  readonly postTransform?: PostTransform;
  /** As for the classifier: double thresholds, weights and base values; double input. */
  readonly double?: boolean;
}

/** `TreeEnsembleRegressor`: Y [N, targets]. */
export function treeEnsembleRegressor(options: TreeEnsembleRegressorOptions): Node {
  const flat = flattenTrees(options.trees);
  const double = options.double ?? false;
  return mlNode("TreeEnsembleRegressor", options, [options.output], {
    ...treeNodeAttributes(flat, double),
    target_treeids: attr.ints(flat.leafTreeIds),
    target_nodeids: attr.ints(flat.leafNodeIds),
    target_ids: attr.ints(flat.leafTargetIds),
    ...numbersAttribute("target_weights", flat.leafWeights, double),
    n_targets: attr.int(options.targets ?? 1),
    aggregate_function: attr.string(options.aggregate ?? "SUM"),
    ...(options.baseValues ? numbersAttribute("base_values", Array.from(options.baseValues), double) : {}),
    post_transform: attr.string(options.postTransform ?? "NONE"),
  });
}

export interface ScalerOptions extends Common {
  readonly output: string;
  /** Per feature (or one for all): Y = (X − offset) · scale. */
  readonly offset: ArrayLike<number>;
  readonly scale: ArrayLike<number>;
}

/** `Scaler` (standardisation, min-max scaling): float output. */
export function scaler(options: ScalerOptions): Node {
  return mlNode("Scaler", options, [options.output], {
    offset: attr.floats(options.offset),
    scale: attr.floats(options.scale),
  });
}

export interface NormalizerOptions extends Common {
  readonly output: string;
  readonly norm: "MAX" | "L1" | "L2";
}

/** `Normalizer`: each row divided by its max, L1 or L2 norm. */
export function normalizer(options: NormalizerOptions): Node {
  return mlNode("Normalizer", options, [options.output], { norm: attr.string(options.norm) });
}
