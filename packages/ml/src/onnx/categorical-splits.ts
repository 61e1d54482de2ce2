/**
 * Native categorical splits in a graph. ai.onnx.ml opset 3's tree operators only compare a feature
 * with one number, so a split "code ∈ set" cannot be a single node. Instead every categorical split
 * gets its own indicator column, computed before the trees: 1 when the row's code goes left, 0 when
 * it goes right, NaN when it follows the missing direction. The tree node then tests that column
 * against 0.5. One Gather per feature computes all of that feature's indicators from a table indexed
 * by code, which reproduces `goesLeft` in flat-tree.ts exactly, including its edge cases: a code
 * outside the split's bitset (unseen level, negative, fractional, NaN) follows missing values.
 */
import { attr, TENSOR_DATA_TYPES } from "@gyre/onnx";
import type { FlatTree } from "../trees/flat-tree.js";
import type { GraphBuilder } from "./graph-builder.js";

/** Which indicator column each categorical split node reads. */
export interface CategoricalIndicators {
  /** Per tree, per node: the column of the routing matrix holding that node's indicator, or -1. */
  readonly columnOf: readonly Int32Array[];
  /** The indicator columns in order (double [N, count]), to append to the feature matrix. */
  readonly blocks: readonly string[];
  readonly count: number;
}

interface SplitRef {
  readonly tree: FlatTree;
  readonly split: number;
}

function bitOf(tree: FlatTree, split: number, code: number): number {
  const words = tree.codeBitsetWords[split]!;
  if (code >= words * 32) return Number.NaN;
  const word = tree.codeBitsets[tree.codeBitsetStart[split]! + (code >>> 5)]!;
  return (word & (1 << (code & 31))) !== 0 ? 1 : 0;
}

/** Row c (code c) holds each split's indicator; the last row (missing) is all NaN. */
function indicatorTable(refs: readonly SplitRef[]): { table: Float64Array; codes: number } {
  const codes = Math.max(...refs.map((r) => r.tree.codeBitsetWords[r.split]! * 32));
  const m = refs.length;
  const table = new Float64Array((codes + 1) * m).fill(Number.NaN);
  for (let c = 0; c < codes; c++)
    for (let j = 0; j < m; j++) table[c * m + j] = bitOf(refs[j]!.tree, refs[j]!.split, c);
  return { table, codes };
}

/** int64 [N, 1]: the code as a table row, or `codes` (the missing row) when it has none. */
function tableRow(graph: GraphBuilder, x: string, codes: number): string {
  const zero = graph.scalar(0, "double");
  const limit = graph.scalar(codes, "double");
  // NaN fails every comparison, so missing values land on the missing row too.
  const inRange = graph.op("And", [graph.op("GreaterOrEqual", [x, zero]), graph.op("Less", [x, limit])]);
  const whole = graph.op("Equal", [x, graph.op("Floor", [x])]);
  const row = graph.op("Where", [graph.op("And", [inRange, whole]), x, limit]);
  return graph.op("Cast", [row], { to: attr.int(TENSOR_DATA_TYPES.int64) }, { hint: "code_row" });
}

/**
 * Indicator columns for every categorical split of `trees`, reading feature f from column f of
 * `features` (double [N, d]). Their routing-matrix columns start at d.
 */
export function categoricalIndicators(
  graph: GraphBuilder,
  features: string,
  d: number,
  trees: readonly FlatTree[],
): CategoricalIndicators {
  const byFeature = new Map<number, SplitRef[]>();
  const nodesOf = new Map<SplitRef, { tree: number; node: number }>();
  trees.forEach((tree, t) => {
    for (let node = 0; node < tree.nNodes; node++) {
      const split = tree.categorySplit[node]!;
      if (split < 0 || tree.feature[node]! < 0) continue;
      const ref = { tree, split };
      nodesOf.set(ref, { tree: t, node });
      const list = byFeature.get(tree.feature[node]!) ?? [];
      list.push(ref);
      byFeature.set(tree.feature[node]!, list);
    }
  });
  const columnOf = trees.map((tree) => new Int32Array(tree.nNodes).fill(-1));
  const blocks: string[] = [];
  let next = d;
  for (const [f, refs] of [...byFeature].sort((a, b) => a[0] - b[0])) {
    const x = graph.op(
      "Slice",
      [features, graph.int64([f]), graph.int64([f + 1]), graph.int64([1])],
      {},
      { hint: `feature_${f}` },
    );
    const { table, codes } = indicatorTable(refs);
    const gathered = graph.op("Gather", [
      graph.double(table, [codes + 1, refs.length], "split_sets"),
      tableRow(graph, x, codes),
    ]);
    blocks.push(graph.op("Reshape", [gathered, graph.int64([-1, refs.length])], {}, { hint: "goes_left" }));
    for (const ref of refs) {
      const at = nodesOf.get(ref)!;
      columnOf[at.tree]![at.node] = next++;
    }
  }
  return { columnOf, blocks, count: next - d };
}
