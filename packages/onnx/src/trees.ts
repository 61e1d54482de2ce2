/**
 * Decision trees as nested objects, and their flattening into the parallel `nodes_*` arrays the
 * ai.onnx.ml tree-ensemble operators take. One flattening serves the classifier and the
 * regressor: they differ only in what a leaf's weights mean (class scores or target values).
 */

export type BranchMode = "BRANCH_LEQ" | "BRANCH_LT" | "BRANCH_GTE" | "BRANCH_GT" | "BRANCH_EQ" | "BRANCH_NEQ";

/** A leaf's contribution to one class (classifier) or one target (regressor). */
export interface LeafWeight {
  readonly target: number;
  readonly weight: number;
}

export interface TreeLeaf {
  /** A bare number is the weight for target 0. */
  readonly leaf: number | readonly LeafWeight[];
}

/** `x[feature] <mode> threshold` chooses `whenTrue`, else `whenFalse`. */
export interface TreeBranch {
  readonly feature: number;
  readonly threshold: number;
  /** Default BRANCH_LEQ, the rule of scikit-learn, XGBoost and LightGBM exports. */
  readonly mode?: BranchMode;
  /** Where a NaN feature value goes; default false (the `whenFalse` side). */
  readonly missingGoesTrue?: boolean;
  readonly whenTrue: TreeNode;
  readonly whenFalse: TreeNode;
}

export type TreeNode = TreeLeaf | TreeBranch;

export interface FlatTrees {
  readonly nodeTreeIds: number[];
  readonly nodeIds: number[];
  readonly featureIds: number[];
  readonly modes: string[];
  readonly values: number[];
  readonly trueIds: number[];
  readonly falseIds: number[];
  readonly missingTracksTrue: number[];
  readonly leafTreeIds: number[];
  readonly leafNodeIds: number[];
  readonly leafTargetIds: number[];
  readonly leafWeights: number[];
}

function isLeaf(node: TreeNode): node is TreeLeaf {
  return "leaf" in node;
}

/** Numbers each tree's nodes (root 0, ids unique within a tree) and lists every node and every leaf weight. */
export function flattenTrees(trees: readonly TreeNode[]): FlatTrees {
  const flat: FlatTrees = {
    nodeTreeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueIds: [],
    falseIds: [],
    missingTracksTrue: [],
    leafTreeIds: [],
    leafNodeIds: [],
    leafTargetIds: [],
    leafWeights: [],
  };
  trees.forEach((root, treeId) => {
    let nextId = 0;
    // An explicit stack: boosted models can be deep enough to make recursion a liability.
    const stack: { node: TreeNode; id: number }[] = [{ node: root, id: nextId++ }];
    while (stack.length > 0) {
      const { node, id } = stack.pop()!;
      flat.nodeTreeIds.push(treeId);
      flat.nodeIds.push(id);
      if (isLeaf(node)) {
        flat.featureIds.push(0);
        flat.modes.push("LEAF");
        flat.values.push(0);
        flat.trueIds.push(0);
        flat.falseIds.push(0);
        flat.missingTracksTrue.push(0);
        const weights = typeof node.leaf === "number" ? [{ target: 0, weight: node.leaf }] : node.leaf;
        for (const { target, weight } of weights) {
          flat.leafTreeIds.push(treeId);
          flat.leafNodeIds.push(id);
          flat.leafTargetIds.push(target);
          flat.leafWeights.push(weight);
        }
        continue;
      }
      if (!Number.isInteger(node.feature) || node.feature < 0) {
        throw new Error(`Tree ${treeId}: feature index ${node.feature} is not a non-negative integer`);
      }
      const trueId = nextId++;
      const falseId = nextId++;
      flat.featureIds.push(node.feature);
      flat.modes.push(node.mode ?? "BRANCH_LEQ");
      flat.values.push(node.threshold);
      flat.trueIds.push(trueId);
      flat.falseIds.push(falseId);
      flat.missingTracksTrue.push(node.missingGoesTrue ? 1 : 0);
      stack.push({ node: node.whenFalse, id: falseId });
      stack.push({ node: node.whenTrue, id: trueId });
    }
  });
  return flat;
}
