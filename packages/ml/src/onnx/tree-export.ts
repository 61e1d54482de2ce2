/**
 * Decision trees, random forests and histogram gradient boosting in a graph, from the models'
 * `TreeEnsemble` view (the one prediction and TreeSHAP use):
 *   raw[k] = baseline[k] + treeWeight · Σ_t value_t(leaf_t(x))[k]
 * The feature matrix (codes for categorical columns, NaN for missing or unseen levels) plus one
 * indicator column per categorical split is routed by a TreeEnsembleRegressor to leaf ids
 * (tree-routing.ts); the leaf values, the sum, the weight, the baseline and the link (identity,
 * sigmoid, softmax) are all double operators, so the graph matches predict/predictProba to ~1e-15
 * rather than to float32's 1e-7 relative (1e-2 absolute on a house price).
 */
import { attr, TENSOR_DATA_TYPES } from "@gyre/onnx";
import type { FittedModel } from "../pipeline/model.js";
import type { TreeEnsemble } from "../trees/tree-ensemble.js";
import { TreeClassifierModel, TreeRegressorModel } from "../trees/tree-model.js";
import { categoricalIndicators } from "./categorical-splits.js";
import type { OnnxModelOutputs } from "./exportable.js";
import type { GraphBuilder } from "./graph-builder.js";
import type { OnnxFrame } from "./onnx-frame.js";
import { leafIds } from "./tree-routing.js";

/** int64 [N, T]: each row's leaf as a row of the concatenated per-tree value tables. */
function leafRows(graph: GraphBuilder, ids: string, ensemble: TreeEnsemble): string {
  const offsets: number[] = [];
  let total = 0;
  for (const tree of ensemble.trees) {
    offsets.push(total);
    total += tree.nNodes;
  }
  const asInt = graph.op("Cast", [ids], { to: attr.int(TENSOR_DATA_TYPES.int64) }, { hint: "leaf_id" });
  return graph.op(
    "Add",
    [asInt, graph.int64(offsets, [offsets.length], "tree_offsets")],
    {},
    { hint: "leaf_row" },
  );
}

/** Whether tree t adds to output t mod K (iteration-major boosting), so a reshape groups outputs. */
function isIterationMajor(treeOutput: Int32Array, k: number): boolean {
  if (treeOutput.length % k !== 0) return false;
  for (let t = 0; t < treeOutput.length; t++) if (treeOutput[t] !== t % k) return false;
  return true;
}

/** double [N, nOutputs]: Σ_t value_t(leaf_t(x)), summed over trees in tree order where possible. */
function summedLeafValues(graph: GraphBuilder, rows: string, ensemble: TreeEnsemble): string {
  const { trees, nOutputs: k, treeOutput } = ensemble;
  const sumOverAxis1 = (x: string) =>
    graph.op("ReduceSum", [x, graph.int64([1])], { keepdims: attr.int(0) }, { hint: "tree_sum" });
  if (!treeOutput) {
    const values = new Float64Array(trees.reduce((n, tree) => n + tree.value.length, 0));
    let at = 0;
    for (const tree of trees) {
      values.set(tree.value, at);
      at += tree.value.length;
    }
    const table = graph.double(values, [values.length / k, k], "leaf_values");
    return sumOverAxis1(graph.op("Gather", [table, rows], {}, { hint: "tree_values" }));
  }
  // Single-output trees (boosting): one value per node, added to output treeOutput[t].
  const values = new Float64Array(trees.reduce((n, tree) => n + tree.nNodes, 0));
  let at = 0;
  for (const tree of trees) {
    values.set(tree.value.subarray(0, tree.nNodes), at);
    at += tree.nNodes;
  }
  const perTree = graph.op("Gather", [graph.double(values, [values.length], "leaf_values"), rows]);
  if (isIterationMajor(treeOutput, k)) {
    return sumOverAxis1(
      graph.op("Reshape", [perTree, graph.int64([0, -1, k])], {}, { hint: "by_iteration" }),
    );
  }
  const assignment = new Float64Array(trees.length * k);
  for (let t = 0; t < trees.length; t++) assignment[t * k + treeOutput[t]!] = 1;
  return graph.op("MatMul", [perTree, graph.double(assignment, [trees.length, k], "tree_outputs")]);
}

/** double [N, nOutputs]: the ensemble's raw outputs, as `rawOutputs` computes them. */
export function ensembleRawOutputs(frame: OnnxFrame, ensemble: TreeEnsemble): string {
  const { graph } = frame;
  const features = frame.featureMatrix(ensemble.schema);
  const indicators = categoricalIndicators(graph, features, ensemble.schema.length, ensemble.trees);
  const routing =
    indicators.count === 0
      ? features
      : graph.op("Concat", [features, ...indicators.blocks], { axis: attr.int(1) }, { hint: "routing" });
  const rows = leafRows(graph, leafIds(graph, routing, ensemble.trees, indicators), ensemble);
  let raw = summedLeafValues(graph, rows, ensemble);
  // The same two operations as rawOutputOfRow, in its order; skipped when they are identities.
  if (ensemble.treeWeight !== 1) raw = graph.op("Mul", [raw, graph.scalar(ensemble.treeWeight, "double")]);
  if (ensemble.baseline.some((b) => b !== 0))
    raw = graph.op(
      "Add",
      [raw, graph.double(ensemble.baseline, [ensemble.nOutputs], "baseline")],
      {},
      { hint: "raw" },
    );
  return raw;
}

export function exportTreeRegressor(model: FittedModel, frame: OnnxFrame): OnnxModelOutputs {
  if (!(model instanceof TreeRegressorModel)) throw new Error("Expected a TreeRegressorModel");
  return {
    task: "regression",
    prediction: ensembleRawOutputs(frame, model.treeEnsemble()),
    elemType: "double",
  };
}

export function exportTreeClassifier(model: FittedModel, frame: OnnxFrame): OnnxModelOutputs {
  if (!(model instanceof TreeClassifierModel)) throw new Error("Expected a TreeClassifierModel");
  const { graph } = frame;
  const raw = ensembleRawOutputs(frame, model.treeEnsemble());
  if (model.link === "identity") return { task: "classification", probabilities: raw, elemType: "double" };
  if (model.link === "softmax") {
    const probabilities = graph.op("Softmax", [raw], { axis: attr.int(-1) }, { hint: "probabilities" });
    return { task: "classification", probabilities, elemType: "double" };
  }
  // Binary boosting: one log-odds column; probabilities [1 − p, p] as probabilitiesFromRaw writes them.
  const positive = graph.op("Sigmoid", [raw], {}, { hint: "p1" });
  const negative = graph.op("Sub", [graph.scalar(1, "double"), positive], {}, { hint: "p0" });
  const probabilities = graph.op(
    "Concat",
    [negative, positive],
    { axis: attr.int(1) },
    { hint: "probabilities" },
  );
  return { task: "classification", probabilities, elemType: "double" };
}
