/**
 * One-hot and ordinal encoders in a graph. Both map the column's value onto their fitted
 * vocabulary by level name, exactly as `recode` in preprocess/encode.ts does: missing becomes the
 * `__missing__` level when the vocabulary has one, an unseen level becomes "no level" (one-hot: a
 * row of zeros) or `unknownValue` (ordinal). `handleUnknown: "error"` cannot raise inside a graph;
 * the export treats unseen levels as `ignore` / `encode` would.
 */
import { FittedOneHotEncoder, FittedOrdinalEncoder, MISSING_LEVEL } from "../preprocess/encode.js";
import type { FittedTransformer } from "../preprocess/transformer.js";
import { mapCategorical } from "./categorical.js";
import type { OnnxFrame } from "./onnx-frame.js";

export function exportOneHotEncoder(transformer: FittedTransformer, frame: OnnxFrame): void {
  if (!(transformer instanceof FittedOneHotEncoder)) throw new Error("Expected a FittedOneHotEncoder");
  for (const { column, levels } of transformer.vocabularies) {
    const vocabulary = new Set(levels);
    const missing = vocabulary.has(MISSING_LEVEL) ? MISSING_LEVEL : null;
    const next = (value: string | null) => (value === null ? missing : vocabulary.has(value) ? value : null);
    // The column stays categorical (a one-hot block); whoever reads it decides how to materialise it.
    frame.set(column, mapCategorical(frame.categorical(column), next, levels, levels));
  }
}

export function exportOrdinalEncoder(transformer: FittedTransformer, frame: OnnxFrame): void {
  if (!(transformer instanceof FittedOrdinalEncoder)) throw new Error("Expected a FittedOrdinalEncoder");
  const { unknownValue } = transformer.settings;
  for (const { column, levels } of transformer.vocabularies) {
    const position = new Map(levels.map((level, i) => [level, i]));
    const missing = position.get(MISSING_LEVEL) ?? Number.NaN;
    const tensor = frame.lookup(column, levels, (value) =>
      value === null ? missing : (position.get(value) ?? unknownValue),
    );
    frame.set(column, { kind: "numeric", tensor });
  }
}
