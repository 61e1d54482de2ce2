/**
 * SimpleImputer in a graph. Numeric fills are Where(IsNaN(x), fill, x) in double; categorical fills
 * are composed into the column's string lookup (categorical.ts), so they cost no node of their own.
 */

import { FittedSimpleImputer } from "../preprocess/impute.js";
import type { FittedTransformer } from "../preprocess/transformer.js";
import { mapCategorical } from "./categorical.js";
import type { OnnxFrame } from "./onnx-frame.js";

export function exportSimpleImputer(transformer: FittedTransformer, frame: OnnxFrame): void {
  if (!(transformer instanceof FittedSimpleImputer)) throw new Error("Expected a FittedSimpleImputer");
  const { graph } = frame;
  for (const fill of transformer.fills) {
    if ("value" in fill) {
      const x = frame.numeric(fill.column);
      const missing = graph.op("IsNaN", [x], {}, { hint: "is_missing" });
      const tensor = graph.op(
        "Where",
        [missing, graph.scalar(fill.value, "double"), x],
        {},
        { hint: "imputed" },
      );
      frame.set(fill.column, { kind: "numeric", tensor });
    } else {
      const level = fill.level;
      frame.set(
        fill.column,
        mapCategorical(frame.categorical(fill.column), (value) => value ?? level, [level]),
      );
    }
  }
}
