import type { ModelSignature } from "../model/signature.js";
import type { ElementType, TensorData } from "./dtypes.js";
import type { GraphValue, InputBatch, InputSchema } from "./input-schema.js";

/** One output of one request: its rows only. */
export interface OutputTensor {
  readonly name: string;
  readonly type: ElementType;
  /** [rows, ...]: the request's rows first. */
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface Prediction {
  readonly rows: number;
  readonly outputs: readonly OutputTensor[];
}

/**
 * What the protocol handlers need from a served model: how to decode inputs (`schema`), what
 * comes out, and `predict`. `ModelRuntime` implements it over one ONNX session; a deployment
 * (weighted arms, shadows) can implement it over several.
 */
export interface Predictor {
  readonly schema: InputSchema;
  readonly outputs: readonly GraphValue[];
  readonly signature: ModelSignature;
  /** False when the signature was inferred from the ONNX graph (MLflow shapes its answers differently). */
  readonly signatureDeclared: boolean;
  /** False while loading or after release: the protocols answer 503. */
  readonly ready: boolean;
  predict(batch: InputBatch): Promise<Prediction>;
}
