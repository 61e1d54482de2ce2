/**
 * Standard and min-max scalers in a graph: (x − offset) / scale per column, as Sub and Div in
 * double, the same two operations `FittedAffineScaler.transform` performs, so the results are
 * identical. ai.onnx.ml's Scaler would take float32 attributes and a float output.
 */

import { FittedAffineScaler } from "../preprocess/scale.js";
import type { FittedTransformer } from "../preprocess/transformer.js";
import type { OnnxFrame } from "./onnx-frame.js";

export function exportAffineScaler(transformer: FittedTransformer, frame: OnnxFrame): void {
  if (!(transformer instanceof FittedAffineScaler)) throw new Error("Expected a FittedAffineScaler");
  const { graph } = frame;
  transformer.columns.forEach((name, j) => {
    const centred = graph.op(
      "Sub",
      [frame.numeric(name), graph.scalar(transformer.offset[j]!, "double")],
      {},
      {
        hint: "centred",
      },
    );
    const tensor = graph.op(
      "Div",
      [centred, graph.scalar(transformer.scale[j]!, "double")],
      {},
      { hint: "scaled" },
    );
    frame.set(name, { kind: "numeric", tensor });
  });
}
