import { mkdir } from "node:fs/promises";
import {
  DEFAULT_IR_VERSION,
  DEFAULT_ML_OPSET,
  DEFAULT_ONNX_OPSET,
  encodeModel,
  type Graph,
  ML_DOMAIN,
  type TreeNode,
  treeEnsembleClassifier,
} from "@gyre/onnx";
import { writeModelDir } from "@gyre/serving";

/**
 * The two models of issue 3's benchmark, built here with @gyre/onnx from fixed seeds:
 * `logreg20` (MatMul 20→1 + Add + Sigmoid) and `trees100d6` (a TreeEnsembleClassifier of 100
 * full binary trees of depth 6 over 20 features, binary with LOGISTIC post-transform — the layout
 * skl2onnx writes for gradient boosting).
 */

export const FEATURES = 20;
const TREES = 100;
const DEPTH = 6;

/** mulberry32: a small, fast, seedable generator, so every run builds the very same models. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPSETS = [
  { domain: "", version: DEFAULT_ONNX_OPSET },
  { domain: ML_DOMAIN, version: DEFAULT_ML_OPSET },
];

function onnxBytes(graph: Graph): Uint8Array {
  return encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: OPSETS,
    graph,
    producer: { name: "gyre-bench" },
  });
}

/** The logistic regression; `bias` tells versions apart in the alias-move phase. */
export function logregGraph(seed = 1, bias = 0.25): Graph {
  const random = seededRandom(seed);
  return {
    name: "logreg20",
    nodes: [
      { opType: "MatMul", inputs: ["input", "W"], outputs: ["xw"] },
      { opType: "Add", inputs: ["xw", "b"], outputs: ["logit"] },
      { opType: "Sigmoid", inputs: ["logit"], outputs: ["probability"] },
    ],
    initializers: [
      {
        name: "W",
        dataType: "float",
        dims: [FEATURES, 1],
        floatData: Array.from({ length: FEATURES }, () => random() * 2 - 1),
      },
      { name: "b", dataType: "float", dims: [1], floatData: [bias] },
    ],
    inputs: [{ name: "input", elemType: "float", shape: ["N", FEATURES] }],
    outputs: [{ name: "probability", elemType: "float", shape: ["N", 1] }],
  };
}

/** A full random tree: random features, thresholds within the inputs' range, small leaf weights. */
function randomTree(random: () => number, depth: number): TreeNode {
  if (depth === 0) return { leaf: (random() - 0.5) * 0.2 };
  return {
    feature: Math.floor(random() * FEATURES),
    threshold: random() * 4 - 2,
    whenTrue: randomTree(random, depth - 1),
    whenFalse: randomTree(random, depth - 1),
  };
}

export function treesGraph(seed = 2): Graph {
  const random = seededRandom(seed);
  return {
    name: "trees100d6",
    nodes: [
      treeEnsembleClassifier({
        input: "input",
        labelOutput: "label",
        scoresOutput: "probabilities",
        trees: Array.from({ length: TREES }, () => randomTree(random, DEPTH)),
        classLabels: [0, 1],
        postTransform: "LOGISTIC",
      }),
    ],
    inputs: [{ name: "input", elemType: "float", shape: ["N", FEATURES] }],
    outputs: [
      { name: "label", elemType: "int64", shape: ["N"] },
      { name: "probabilities", elemType: "float", shape: ["N", 2] },
    ],
  };
}

/** Writes a Gyre model directory (gyre-model.json + model.onnx) for a graph. */
export async function writeModel(dir: string, graph: Graph): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeModelDir(dir, { onnxBytes: onnxBytes(graph) });
  return dir;
}
