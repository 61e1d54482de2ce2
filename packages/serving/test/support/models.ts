import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
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
import { type ModelSignature, writeModelDir } from "../../src/index.js";

const OPSETS = [
  { domain: "", version: DEFAULT_ONNX_OPSET },
  { domain: ML_DOMAIN, version: DEFAULT_ML_OPSET },
];

export function onnx(graph: Graph): Uint8Array {
  return encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: OPSETS,
    graph,
    producer: { name: "gyre-test" },
  });
}

/**
 * The 20-feature logistic regression: w_i = (i − 10)/8, b = 0.25. Rows on a 1/4 grid make every
 * logit exact in float32, so the probabilities can be computed by hand (see `LOGREG_ROWS`).
 */
export const LOGREG_WEIGHTS = Array.from({ length: 20 }, (_, i) => (i - 10) / 8);
export const LOGREG_BIAS = 0.25;

export const LOGREG_ROWS = {
  /** x_i = (i mod 7)/4: Σ (i mod 7)(i − 10)/32 = (147 − 123)/32 = 0.75, logit 1. */
  a: Array.from({ length: 20 }, (_, i) => (i % 7) / 4),
  /** x_i = 1 − (i mod 7)/4: Σ w_i − 0.75 = −1.25 − 0.75, logit −1.75. */
  b: Array.from({ length: 20 }, (_, i) => 1 - (i % 7) / 4),
  /** All zeros: the bias alone, logit 0.25. */
  zero: Array.from({ length: 20 }, () => 0),
};
export const LOGREG_LOGITS = { a: 1, b: -1.75, zero: 0.25 };
/** ORT's float32 sigmoid of the logits, within 2^-23 of the float64 formula (checked in the tests). */
export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function logregGraph(): Graph {
  return {
    name: "logreg20",
    nodes: [
      { opType: "MatMul", inputs: ["input", "W"], outputs: ["xw"] },
      { opType: "Add", inputs: ["xw", "b"], outputs: ["logit"] },
      { opType: "Sigmoid", inputs: ["logit"], outputs: ["probability"] },
    ],
    initializers: [
      { name: "W", dataType: "float", dims: [20, 1], floatData: LOGREG_WEIGHTS },
      { name: "b", dataType: "float", dims: [1], floatData: [LOGREG_BIAS] },
    ],
    inputs: [{ name: "input", elemType: "float", shape: ["N", 20] }],
    outputs: [{ name: "probability", elemType: "float", shape: ["N", 1] }],
  };
}

export const FEATURES = Array.from({ length: 20 }, (_, i) => `x${i}`);

export const COLUMN_SIGNATURE: ModelSignature = {
  inputs: FEATURES.map((name) => ({ name, type: "double" as const })),
  outputs: [{ name: "probability", type: "float32", shape: [-1, 1] }],
};

/** The logistic model with no declared signature (inferred: tensor 'input' float32 [-1, 20]). */
export async function logregTensorDir(dir: string): Promise<string> {
  await writeModelDir(dir, { onnxBytes: onnx(logregGraph()) });
  return dir;
}

/** The logistic model with a column signature x0..x19 (double) feeding its [N, 20] input. */
export async function logregColumnsDir(dir: string): Promise<string> {
  await writeModelDir(dir, {
    onnxBytes: onnx(logregGraph()),
    signature: COLUMN_SIGNATURE,
    inputExample: { columns: FEATURES, data: [LOGREG_ROWS.a] },
    metadata: { trained_by: "test" },
  });
  return dir;
}

/**
 * Per-column ONNX inputs (the graph has one input per column, as onnxmltools makes for Spark):
 * age int64 [N, 1], income float [N, 1], member bool [N, 1]; output
 * score = 2·age + income/2 + (member ? 10 : 0), float [N, 1].
 */
export async function perColumnDir(dir: string): Promise<string> {
  const graph: Graph = {
    name: "per-column",
    nodes: [
      { opType: "Cast", inputs: ["age"], outputs: ["age_f"], attributes: { to: { type: "int", value: 1 } } },
      {
        opType: "Cast",
        inputs: ["member"],
        outputs: ["member_f"],
        attributes: { to: { type: "int", value: 1 } },
      },
      {
        opType: "Concat",
        inputs: ["age_f", "income", "member_f"],
        outputs: ["features"],
        attributes: { axis: { type: "int", value: 1 } },
      },
      { opType: "MatMul", inputs: ["features", "W"], outputs: ["score"] },
    ],
    initializers: [{ name: "W", dataType: "float", dims: [3, 1], floatData: [2, 0.5, 10] }],
    inputs: [
      { name: "age", elemType: "int64", shape: [null, 1] },
      { name: "income", elemType: "float", shape: [null, 1] },
      { name: "member", elemType: "bool", shape: [null, 1] },
    ],
    outputs: [{ name: "score", elemType: "float", shape: [null, 1] }],
  };
  await writeModelDir(dir, {
    onnxBytes: onnx(graph),
    signature: {
      inputs: [
        { name: "age", type: "long" },
        { name: "income", type: "double" },
        { name: "member", type: "boolean" },
      ],
      outputs: [{ name: "score", type: "float" }],
    },
  });
  return dir;
}

/** Two trees over 3 features, binary boosting layout (LOGISTIC), labels 0/1. */
export const TREES: TreeNode[] = [
  {
    feature: 0,
    threshold: 0.5,
    whenTrue: { leaf: 0.5 },
    whenFalse: { feature: 1, threshold: 1, whenTrue: { leaf: -0.25 }, whenFalse: { leaf: 1 } },
  },
  { feature: 2, threshold: 0, mode: "BRANCH_LT", whenTrue: { leaf: 0.125 }, whenFalse: { leaf: -0.5 } },
];

export function treesGraph(): Graph {
  return {
    name: "trees",
    nodes: [
      treeEnsembleClassifier({
        input: "X",
        labelOutput: "label",
        scoresOutput: "probabilities",
        trees: TREES,
        classLabels: [0, 1],
        baseValues: [-0.25],
        postTransform: "LOGISTIC",
      }),
    ],
    inputs: [{ name: "X", elemType: "float", shape: [null, 3] }],
    outputs: [
      { name: "label", elemType: "int64", shape: [null] },
      { name: "probabilities", elemType: "float", shape: [null, 2] },
    ],
  };
}

/**
 * An MLflow model directory as `mlflow.onnx.log_model` writes it: MLmodel (YAML) with an onnx
 * flavor, the signature as JSON strings, an input example, and the ONNX file.
 */
export async function mlflowTreesDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "model.onnx"), onnx(treesGraph()));
  const inputs = JSON.stringify(["f0", "f1", "f2"].map((name) => ({ type: "double", name, required: true })));
  const outputs = JSON.stringify([{ type: "long", name: "label", required: true }]);
  await writeFile(
    path.join(dir, "MLmodel"),
    [
      "artifact_path: model",
      "flavors:",
      "  onnx:",
      "    code: null",
      "    data: model.onnx",
      "    onnx_version: 1.16.1",
      "    providers:",
      "    - CPUExecutionProvider",
      "  python_function:",
      "    data: model.onnx",
      "    env:",
      "      conda: conda.yaml",
      "      virtualenv: python_env.yaml",
      "    loader_module: mlflow.onnx",
      "    python_version: 3.11.9",
      "mlflow_version: 2.16.2",
      "model_uuid: 0f3c9a",
      "run_id: 5d2e7c",
      "saved_input_example_info:",
      "  artifact_path: input_example.json",
      "  pandas_orient: split",
      "  type: dataframe",
      "signature:",
      `  inputs: '${inputs}'`,
      `  outputs: '${outputs}'`,
      "  params: null",
      "utc_time_created: '2024-09-01 10:00:00.000000'",
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "input_example.json"),
    JSON.stringify({ columns: ["f0", "f1", "f2"], data: [[0, 0, 0]] }),
  );
  return dir;
}
