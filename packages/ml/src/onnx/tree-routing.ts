/**
 * The trees of an ensemble as one ai.onnx.ml TreeEnsembleRegressor that only routes rows: tree t
 * writes the id of the leaf a row reaches to output column t. Leaf values are then read in double
 * from a table (tree-export.ts). The operator's output is float, which would round leaf values
 * (a house price to ~0.01) but holds leaf ids exactly (integers below 2^24).
 *
 * Decisions are exact: the routing matrix is double and thresholds go in as double tensors
 * (`nodes_values_as_tensor`), which onnxruntime compares in double, so a bin edge that is no float32
 * value still decides `x <= edge` as `leafOfRow` does. Numeric splits keep their test (true = left;
 * missing follows `missingGoesLeft`); categorical splits test their indicator column (see
 * categorical-splits.ts): `indicator <= 0.5` means "not in the set", the right child.
 */
import { type TreeNode, treeEnsembleRegressor } from "@gyre/onnx";
import type { FlatTree } from "../trees/flat-tree.js";
import type { CategoricalIndicators } from "./categorical-splits.js";
import type { GraphBuilder } from "./graph-builder.js";

function routingTree(tree: FlatTree, t: number, indicatorColumn: Int32Array): TreeNode {
  // Depth-first with an explicit stack of pending parents, so unbounded-depth trees cannot overflow
  // the call stack; children are built before their parent.
  const built: (TreeNode | undefined)[] = new Array(tree.nNodes);
  const stack: { node: number; expanded: boolean }[] = [{ node: 0, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const { node } = top;
    const f = tree.feature[node]!;
    if (f < 0) {
      built[node] = { leaf: [{ target: t, weight: node }] };
      continue;
    }
    const left = tree.left[node]!;
    const right = tree.right[node]!;
    if (!top.expanded) {
      stack.push({ node, expanded: true }, { node: left, expanded: false }, { node: right, expanded: false });
      continue;
    }
    const missingLeft = tree.missingGoesLeft[node] === 1;
    const column = indicatorColumn[node]!;
    built[node] =
      column < 0
        ? {
            feature: f,
            threshold: tree.threshold[node]!,
            missingGoesTrue: missingLeft,
            whenTrue: built[left]!,
            whenFalse: built[right]!,
          }
        : {
            feature: column,
            threshold: 0.5,
            missingGoesTrue: !missingLeft,
            whenTrue: built[right]!,
            whenFalse: built[left]!,
          };
    built[left] = undefined;
    built[right] = undefined;
  }
  return built[0]!;
}

/** float [N, trees.length]: the leaf id each row reaches in each tree. */
export function leafIds(
  graph: GraphBuilder,
  routingMatrix: string,
  trees: readonly FlatTree[],
  indicators: CategoricalIndicators,
): string {
  const output = graph.fresh("leaf_ids");
  graph.node(
    treeEnsembleRegressor({
      input: routingMatrix,
      output,
      trees: trees.map((tree, t) => routingTree(tree, t, indicators.columnOf[t]!)),
      targets: trees.length,
      aggregate: "SUM",
      double: true,
    }),
  );
  return output;
}
