import {
  DEFAULT_IR_VERSION,
  DEFAULT_ML_OPSET,
  DEFAULT_ONNX_OPSET,
  encodeModel,
  ML_DOMAIN,
} from "../../../onnx/src/index.js";
import type { ModelSignature } from "../../src/index.js";

/**
 * A logistic regression over `features` columns x0…x{k-1}: probability = σ(Σ w_i x_i + b) with
 * w_i = (i − k/2)/8 and b = 0.25, as ONNX (MatMul, Add, Sigmoid) over one [N, k] float input.
 */
export function logregOnnx(features: number): Uint8Array {
  const weights = Array.from({ length: features }, (_, i) => (i - features / 2) / 8);
  return encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [
      { domain: "", version: DEFAULT_ONNX_OPSET },
      { domain: ML_DOMAIN, version: DEFAULT_ML_OPSET },
    ],
    producer: { name: "gyre-test" },
    graph: {
      name: "logreg",
      nodes: [
        { opType: "MatMul", inputs: ["input", "W"], outputs: ["xw"] },
        { opType: "Add", inputs: ["xw", "b"], outputs: ["logit"] },
        { opType: "Sigmoid", inputs: ["logit"], outputs: ["probability"] },
      ],
      initializers: [
        { name: "W", dataType: "float", dims: [features, 1], floatData: weights },
        { name: "b", dataType: "float", dims: [1], floatData: [0.25] },
      ],
      inputs: [{ name: "input", elemType: "float", shape: ["N", features] }],
      outputs: [{ name: "probability", elemType: "float", shape: ["N", 1] }],
    },
  });
}

export const featureNames = (features: number) => Array.from({ length: features }, (_, i) => `x${i}`);

/** Named double columns feeding the [N, k] input, and the probability output. */
export function logregSignature(features: number): ModelSignature {
  return {
    inputs: featureNames(features).map((name) => ({ name, type: "double" as const })),
    outputs: [{ name: "probability", type: "float32", shape: [-1, 1] }],
  };
}
