import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  attr,
  DEFAULT_IR_VERSION,
  DEFAULT_ML_OPSET,
  DEFAULT_ONNX_OPSET,
  encodeModel,
  flattenTrees,
  type Graph,
  linearClassifier,
  linearRegressor,
  ML_DOMAIN,
  normalizer,
  scaler,
  type TreeNode,
  treeEnsembleClassifier,
  treeEnsembleRegressor,
} from "../src/index.js";
import { ProtoWriter } from "../src/protobuf.js";

const OPSETS = [
  { domain: "", version: DEFAULT_ONNX_OPSET },
  { domain: ML_DOMAIN, version: DEFAULT_ML_OPSET },
];

async function run(graph: Graph, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const bytes = encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: OPSETS,
    graph,
    producer: { name: "test" },
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const sigmoid32 = (z: number) => Math.fround(1 / (1 + Math.exp(-z)));
/**
 * ORT computes sigmoid in float32 with its own exp (and 1 − p from its own p): a probability may
 * differ from the float64 reference rounded to float32 by two float32 steps of [0.5, 1), 2^-23.
 */
const closeF32 = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(2 ** -23);

describe("protobuf wire encoding", () => {
  it("writes varints, negative int64 as ten bytes, and floats little-endian", () => {
    expect(hex(new ProtoWriter().int64(1, 1).finish())).toBe("0801");
    expect(hex(new ProtoWriter().int64(1, 300).finish())).toBe("08ac02");
    expect(hex(new ProtoWriter().int64(1, 2 ** 32).finish())).toBe("088080808010");
    expect(hex(new ProtoWriter().int64(1, 2 ** 31 + 5).finish())).toBe("088580808008");
    expect(hex(new ProtoWriter().int64(1, -1).finish())).toBe("08ffffffffffffffffff01");
    expect(hex(new ProtoWriter().int64(1, -2n).finish())).toBe("08feffffffffffffffff01");
    expect(hex(new ProtoWriter().float(2, 1.5).finish())).toBe("150000c03f");
    expect(hex(new ProtoWriter().packedInt64(8, [1, 300]).finish())).toBe("420301ac02");
    expect(hex(new ProtoWriter().packedFloat(7, []).finish())).toBe("");
  });

  it("frames nested messages with their length, including large by-reference payloads", () => {
    const inner = new ProtoWriter().string(1, "ai.onnx.ml").int64(2, 3);
    expect(hex(new ProtoWriter().message(8, inner).finish())).toBe(
      `420e0a0a${hex(new TextEncoder().encode("ai.onnx.ml"))}1003`,
    );
    const big = new Float32Array(5000).fill(1);
    const bytes = new ProtoWriter().message(5, new ProtoWriter().packedFloat(4, big).string(8, "W")).finish();
    // tag 5/LEN and the inner length (1 + 3 + 20000 + 3 = 20007), then tag 4/LEN and 20000.
    expect(hex(bytes.subarray(0, 7))).toBe("2aa79c01" + "22a09c");
    expect(bytes.length).toBe(1 + 3 + 1 + 3 + 20000 + 3);
  });

  it("rejects a tensor whose value count does not match its dims", () => {
    expect(() =>
      encodeModel({
        irVersion: 8,
        opsetImports: OPSETS,
        graph: {
          name: "g",
          nodes: [],
          initializers: [{ name: "W", dataType: "float", dims: [2, 2], floatData: [1, 2, 3] }],
          inputs: [],
          outputs: [],
        },
      }),
    ).toThrow("Tensor W has 3 values for dims [2, 2] (4 expected)");
  });
});

/**
 * 20 weights w_i = (i − 10)/8 and rows on a 1/4 grid: every product and sum is exact in float32.
 * By hand: row 0 has x_i = (i mod 7)/4, so Σ x_i·w_i = Σ (i mod 7)(i − 10)/32 = (147 − 123)/32 = 0.75
 * and the logit is 0.75 + 0.25 = 1. Row 1 has x_i = 1 − (i mod 7)/4: Σ w_i = −10/8 = −1.25, minus
 * 0.75, plus the bias: −1.75. Row 2 is all zeros: the bias, 0.25.
 */
const WEIGHTS = Float32Array.from({ length: 20 }, (_, i) => (i - 10) / 8);
const BIAS = 0.25;
const ROWS = [
  Array.from({ length: 20 }, (_, i) => (i % 7) / 4),
  Array.from({ length: 20 }, (_, i) => 1 - (i % 7) / 4),
  Array.from({ length: 20 }, () => 0),
];
const LOGITS = [1, -1.75, 0.25];
const logit = (row: number[]) => row.reduce((sum, x, i) => sum + x * WEIGHTS[i]!, BIAS);
const features = (rows: number[][]) =>
  new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

describe("20-feature logistic regression", () => {
  it("as MatMul + Add + Sigmoid: the logit is exact, the probability within 2 ulp of float32", async () => {
    const graph: Graph = {
      name: "logreg20",
      nodes: [
        { opType: "MatMul", inputs: ["input", "W"], outputs: ["xw"] },
        { opType: "Add", inputs: ["xw", "b"], outputs: ["logit"] },
        { opType: "Sigmoid", inputs: ["logit"], outputs: ["probability"] },
      ],
      initializers: [
        { name: "W", dataType: "float", dims: [20, 1], floatData: WEIGHTS },
        { name: "b", dataType: "float", dims: [1], floatData: [BIAS] },
      ],
      inputs: [{ name: "input", elemType: "float", shape: ["N", 20] }],
      outputs: [
        { name: "logit", elemType: "float", shape: ["N", 1] },
        { name: "probability", elemType: "float", shape: ["N", 1] },
      ],
    };
    const out = await run(graph, { input: features(ROWS) });
    expect(ROWS.map(logit)).toEqual(LOGITS);
    expect(Array.from(out.logit!.data as Float32Array)).toEqual(LOGITS);
    expect(out.probability!.dims).toEqual([3, 1]);
    for (const [i, z] of LOGITS.entries())
      closeF32((out.probability!.data as Float32Array)[i]!, sigmoid32(z));
  });

  it("as LinearClassifier with LOGISTIC: labels and [1 − p, p] per row", async () => {
    const graph: Graph = {
      name: "linear-classifier",
      nodes: [
        linearClassifier({
          input: "X",
          labelOutput: "label",
          scoresOutput: "probabilities",
          coefficients: WEIGHTS,
          intercepts: [BIAS],
          classLabels: [0, 1],
          postTransform: "LOGISTIC",
        }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: [null, 20] }],
      outputs: [
        { name: "label", elemType: "int64", shape: [null] },
        { name: "probabilities", elemType: "float", shape: [null, 2] },
      ],
    };
    const out = await run(graph, { X: features(ROWS) });
    expect(Array.from(out.label!.data as BigInt64Array)).toEqual([1n, 0n, 1n]);
    const probabilities = out.probabilities!.data as Float32Array;
    LOGITS.forEach((z, i) => {
      const p = sigmoid32(z);
      closeF32(probabilities[2 * i + 1]!, p);
      closeF32(probabilities[2 * i]!, Math.fround(1 - p));
    });
  });

  it("LinearClassifier with string labels and three classes returns the argmax label and raw scores", async () => {
    const graph: Graph = {
      name: "multiclass",
      nodes: [
        linearClassifier({
          input: "X",
          labelOutput: "label",
          scoresOutput: "scores",
          coefficients: [0.5, 0.25, -1, 1, 0, 2],
          intercepts: [0, 1, -1],
          classLabels: ["a", "b", "c"],
        }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: ["N", 2] }],
      outputs: [
        { name: "label", elemType: "string", shape: ["N"] },
        { name: "scores", elemType: "float", shape: ["N", 3] },
      ],
    };
    const out = await run(graph, {
      X: features([
        [1, 2],
        [-1, 0.5],
      ]),
    });
    // a = 0.5·x0 + 0.25·x1, b = −x0 + x1 + 1, c = 2·x1 − 1
    expect(Array.from(out.scores!.data as Float32Array)).toEqual([1, 2, 3, -0.375, 2.5, 0]);
    expect(out.label!.data).toEqual(["c", "b"]);
  });
});

/** Two small trees; leaf weights are dyadic so every sum is exact. */
const TREES: TreeNode[] = [
  {
    feature: 0,
    threshold: 0.5,
    whenTrue: { leaf: 0.5 },
    whenFalse: { feature: 1, threshold: 1, whenTrue: { leaf: -0.25 }, whenFalse: { leaf: 1 } },
  },
  { feature: 2, threshold: 0, mode: "BRANCH_LT", whenTrue: { leaf: 0.125 }, whenFalse: { leaf: -0.5 } },
];
const TREE_ROWS = [
  [0, 0, 0],
  [1, 0.5, -1],
  [1, 2, 1],
];
/** By hand: tree 1 gives 0.5 / −0.25 / 1, tree 2 gives −0.5 / 0.125 / −0.5. */
const TREE_SUMS = [0, -0.125, 0.5];

describe("tree ensembles", () => {
  it("flattens nested trees into the parallel node arrays", () => {
    const flat = flattenTrees(TREES);
    expect(flat.nodeTreeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(flat.modes).toEqual([
      "BRANCH_LEQ",
      "LEAF",
      "BRANCH_LEQ",
      "LEAF",
      "LEAF",
      "BRANCH_LT",
      "LEAF",
      "LEAF",
    ]);
    expect(flat.nodeIds).toEqual([0, 1, 2, 3, 4, 0, 1, 2]);
    expect(flat.trueIds).toEqual([1, 0, 3, 0, 0, 1, 0, 0]);
    expect(flat.falseIds).toEqual([2, 0, 4, 0, 0, 2, 0, 0]);
    expect(flat.leafNodeIds).toEqual([1, 3, 4, 1, 2]);
    expect(flat.leafWeights).toEqual([0.5, -0.25, 1, 0.125, -0.5]);
  });

  it("TreeEnsembleClassifier, binary boosting layout with LOGISTIC: [1 − p, p] and labels", async () => {
    const graph: Graph = {
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
    const out = await run(graph, { X: features(TREE_ROWS) });
    const margins = TREE_SUMS.map((s) => s - 0.25); // −0.25, −0.375, 0.25
    expect(Array.from(out.label!.data as BigInt64Array)).toEqual([0n, 0n, 1n]);
    const probabilities = out.probabilities!.data as Float32Array;
    margins.forEach((m, i) => {
      closeF32(probabilities[2 * i + 1]!, sigmoid32(m));
      closeF32(probabilities[2 * i]!, Math.fround(1 - sigmoid32(m)));
    });
  });

  it("TreeEnsembleClassifier, three classes without post-transform: exact per-class sums", async () => {
    const trees: TreeNode[] = [
      {
        feature: 0,
        threshold: 0,
        whenTrue: { leaf: [{ target: 0, weight: 1 }] },
        whenFalse: {
          leaf: [
            { target: 1, weight: 0.5 },
            { target: 2, weight: 0.75 },
          ],
        },
      },
      {
        feature: 1,
        threshold: 1,
        mode: "BRANCH_GT",
        whenTrue: { leaf: [{ target: 1, weight: 1 }] },
        whenFalse: { leaf: [{ target: 2, weight: 0.125 }] },
      },
    ];
    const graph: Graph = {
      name: "multiclass-trees",
      nodes: [
        treeEnsembleClassifier({
          input: "X",
          labelOutput: "label",
          scoresOutput: "scores",
          trees,
          classLabels: ["x", "y", "z"],
        }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: ["N", 2] }],
      outputs: [
        { name: "label", elemType: "string", shape: ["N"] },
        { name: "scores", elemType: "float", shape: ["N", 3] },
      ],
    };
    const out = await run(graph, {
      X: features([
        [-1, 0],
        [1, 2],
        [1, 0],
      ]),
    });
    expect(Array.from(out.scores!.data as Float32Array)).toEqual([1, 0, 0.125, 0, 1.5, 0.75, 0, 0.5, 0.875]);
    expect(out.label!.data).toEqual(["x", "y", "z"]);
  });

  it("TreeEnsembleRegressor sums (or averages) leaf values plus the base value", async () => {
    const regressor = (aggregate: "SUM" | "AVERAGE"): Graph => ({
      name: "regressor",
      nodes: [
        treeEnsembleRegressor({
          input: "X",
          output: "variable",
          trees: TREES,
          aggregate,
          baseValues: [0.25],
        }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: [null, 3] }],
      outputs: [{ name: "variable", elemType: "float", shape: [null, 1] }],
    });
    const sum = await run(regressor("SUM"), { X: features(TREE_ROWS) });
    expect(sum.variable!.dims).toEqual([3, 1]);
    expect(Array.from(sum.variable!.data as Float32Array)).toEqual(TREE_SUMS.map((s) => s + 0.25));
    const average = await run(regressor("AVERAGE"), { X: features(TREE_ROWS) });
    expect(Array.from(average.variable!.data as Float32Array)).toEqual(TREE_SUMS.map((s) => s / 2 + 0.25));
  });

  it("routes NaN by missingGoesTrue", async () => {
    const graph = (missingGoesTrue: boolean): Graph => ({
      name: "missing",
      nodes: [
        treeEnsembleRegressor({
          input: "X",
          output: "y",
          trees: [
            { feature: 0, threshold: 0, missingGoesTrue, whenTrue: { leaf: 1 }, whenFalse: { leaf: 2 } },
          ],
        }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: [null, 1] }],
      outputs: [{ name: "y", elemType: "float", shape: [null, 1] }],
    });
    const x = features([[Number.NaN]]);
    expect((await run(graph(true), { X: x })).y!.data[0]).toBe(1);
    expect((await run(graph(false), { X: x })).y!.data[0]).toBe(2);
  });

  it("compares double inputs with double thresholds when `double` is set (opset 3 *_as_tensor)", async () => {
    // 0.1 is no float32 value: float attributes would round the edge to 0.100000001… and send
    // x = 0.1000000001 left; double thresholds keep the double decision x <= 0.1.
    const graph = (double: boolean): Graph => ({
      name: "double",
      nodes: [
        treeEnsembleRegressor({
          input: "X",
          output: "y",
          double,
          trees: [{ feature: 0, threshold: 0.1, whenTrue: { leaf: 1 }, whenFalse: { leaf: 2 } }],
        }),
      ],
      inputs: [{ name: "X", elemType: "double", shape: [null, 1] }],
      outputs: [{ name: "y", elemType: "float", shape: [null, 1] }],
    });
    const x = new ort.Tensor("float64", Float64Array.of(0.1, 0.1000000001, Math.fround(0.1)), [3, 1]);
    expect(Array.from((await run(graph(true), { X: x })).y!.data as Float32Array)).toEqual([1, 2, 2]);
    expect(Array.from((await run(graph(false), { X: x })).y!.data as Float32Array)).toEqual([1, 1, 1]);
  });
});

describe("linear regressor, scaler, normalizer, generic nodes", () => {
  it("LinearRegressor with two targets", async () => {
    const graph: Graph = {
      name: "linreg",
      nodes: [
        linearRegressor({
          input: "X",
          output: "y",
          coefficients: [1, 2, -0.5, 0.25],
          intercepts: [0.5, -1],
          targets: 2,
        }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: ["N", 2] }],
      outputs: [{ name: "y", elemType: "float", shape: ["N", 2] }],
    };
    const out = await run(graph, {
      X: features([
        [1, 2],
        [-2, 4],
      ]),
    });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([5.5, -1, 6.5, 1]);
  });

  it("Scaler then Normalizer(L1)", async () => {
    const graph: Graph = {
      name: "preprocess",
      nodes: [
        scaler({ input: "X", output: "scaled", offset: [1, 2], scale: [2, 0.5] }),
        normalizer({ input: "scaled", output: "normalized", norm: "L1" }),
      ],
      inputs: [{ name: "X", elemType: "float", shape: ["N", 2] }],
      outputs: [
        { name: "scaled", elemType: "float", shape: ["N", 2] },
        { name: "normalized", elemType: "float", shape: ["N", 2] },
      ],
    };
    const out = await run(graph, {
      X: features([
        [3, 6],
        [-1, 0.5],
      ]),
    });
    expect(Array.from(out.scaled!.data as Float32Array)).toEqual([4, 2, -4, -0.75]);
    const normalized = Array.from(out.normalized!.data as Float32Array);
    expect(normalized.slice(0, 2)).toEqual([Math.fround(4 / 6), Math.fround(2 / 6)]);
    expect(normalized[2]).toBeCloseTo(-4 / 4.75, 6);
  });

  it("encodes int64 initializers with negative values and tagged attributes (Reshape, Transpose, Gemm)", async () => {
    const graph: Graph = {
      name: "generic",
      nodes: [
        { opType: "Reshape", inputs: ["X", "shape"], outputs: ["flat"] },
        { opType: "Transpose", inputs: ["M"], outputs: ["Mt"], attributes: { perm: attr.ints([1, 0]) } },
        {
          opType: "Gemm",
          inputs: ["X", "Mt", "c"],
          outputs: ["gemm"],
          attributes: { alpha: attr.float(2), beta: attr.float(0.5), transB: attr.int(1) },
        },
      ],
      initializers: [
        { name: "shape", dataType: "int64", dims: [1], int64Data: [-1] },
        { name: "M", dataType: "float", dims: [2, 1], floatData: [1, -1] },
        { name: "c", dataType: "double", dims: [1], doubleData: [4] },
      ],
      inputs: [{ name: "X", elemType: "float", shape: [2, 2] }],
      outputs: [
        { name: "flat", elemType: "float", shape: [4] },
        { name: "gemm", elemType: "float", shape: [2, 1] },
      ],
    };
    // A double bias into a float Gemm is a type error ORT must report: proof the double payload was read.
    await expect(
      run(graph, {
        X: features([
          [1, 2],
          [3, 4],
        ]),
      }),
    ).rejects.toThrow(/double|type/i);
    const fixed: Graph = {
      ...graph,
      initializers: [
        graph.initializers![0]!,
        graph.initializers![1]!,
        { name: "c", dataType: "float", dims: [1], floatData: [4] },
      ],
    };
    const out = await run(fixed, {
      X: features([
        [1, 2],
        [3, 4],
      ]),
    });
    expect(Array.from(out.flat!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    // Mt = [[1, −1]], transB → B = [[1], [−1]]: 2·(x0 − x1) + 0.5·4
    expect(Array.from(out.gemm!.data as Float32Array)).toEqual([0, 0]);
  });
});
