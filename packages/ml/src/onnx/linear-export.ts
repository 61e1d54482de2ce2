/**
 * The linear models in a graph, in double: the design matrix [N, p] (dense columns, then one-hot
 * blocks, the order of data/design-matrix.ts), MatMul with the coefficients, Add the intercepts,
 * then Sigmoid (binary) or Softmax (multinomial). ai.onnx.ml's LinearRegressor/LinearClassifier
 * would hold the coefficients as float32 and compute in float; these standard operators run in
 * double in onnxruntime, so the graph reproduces predict/predictProba to ~1e-15.
 */
import { attr } from "@gyre/onnx";
import { type DesignLayout, featureCount } from "../data/design-matrix.js";
import { LinearRegressor } from "../linear/least-squares.js";
import { LogisticRegressionModel } from "../linear/logistic.js";
import type { FittedModel } from "../pipeline/model.js";
import type { OnnxModelOutputs } from "./exportable.js";
import type { OnnxFrame } from "./onnx-frame.js";

/** double [N, p]: the design matrix of `layout`, one-hot blocks expanded. */
export function designMatrix(layout: DesignLayout, frame: OnnxFrame): string {
  const parts = [
    ...layout.dense.map((name) => frame.numeric(name)),
    ...layout.oneHot.map((block) => frame.oneHot(block.column, block.levels)),
  ];
  if (parts.length === 0) throw new Error("ONNX export: a linear model with no features");
  return parts.length === 1
    ? parts[0]!
    : frame.graph.op("Concat", parts, { axis: attr.int(1) }, { hint: "design" });
}

/** X · W + b, with W given row-major [outputs, p] (the models' layout) and stored as [p, outputs]. */
function affine(
  frame: OnnxFrame,
  x: string,
  p: number,
  coef: Float64Array,
  intercept: ArrayLike<number>,
): string {
  const outputs = intercept.length;
  const transposed = new Float64Array(p * outputs);
  for (let o = 0; o < outputs; o++)
    for (let j = 0; j < p; j++) transposed[j * outputs + o] = coef[o * p + j]!;
  const { graph } = frame;
  const product = graph.op("MatMul", [x, graph.double(transposed, [p, outputs], "coef")], {}, { hint: "xw" });
  return graph.op("Add", [product, graph.double(intercept, [outputs], "intercept")], {}, { hint: "linear" });
}

export function exportLinearRegressor(model: FittedModel, frame: OnnxFrame): OnnxModelOutputs {
  if (!(model instanceof LinearRegressor)) throw new Error("Expected a LinearRegressor");
  const p = featureCount(model.layout);
  const prediction = affine(frame, designMatrix(model.layout, frame), p, model.coef, [model.intercept]);
  return { task: "regression", prediction, elemType: "double" };
}

export function exportLogisticRegression(model: FittedModel, frame: OnnxFrame): OnnxModelOutputs {
  if (!(model instanceof LogisticRegressionModel)) throw new Error("Expected a LogisticRegressionModel");
  const { graph } = frame;
  const p = featureCount(model.layout);
  const scores = affine(frame, designMatrix(model.layout, frame), p, model.coef, model.intercept);
  if (model.classes.length > 2) {
    const probabilities = graph.op("Softmax", [scores], { axis: attr.int(-1) }, { hint: "probabilities" });
    return { task: "classification", probabilities, elemType: "double" };
  }
  // Binary: one score column for class 1; probabilities [1 − p, p] as predictProbaDesign writes them.
  const positive = graph.op("Sigmoid", [scores], {}, { hint: "p1" });
  const negative = graph.op("Sub", [graph.scalar(1, "double"), positive], {}, { hint: "p0" });
  const probabilities = graph.op(
    "Concat",
    [negative, positive],
    { axis: attr.int(1) },
    { hint: "probabilities" },
  );
  return { task: "classification", probabilities, elemType: "double" };
}
