/** Loading saved fitted transformers by kind. */
import type { KindedJson } from "../pipeline/json.js";
import { DateParts } from "./date-parts.js";
import { FittedOneHotEncoder, FittedOrdinalEncoder } from "./encode.js";
import { FittedSimpleImputer } from "./impute.js";
import { FittedAffineScaler } from "./scale.js";
import type { FittedTransformer } from "./transformer.js";

export type TransformerLoader = (json: KindedJson) => FittedTransformer;

export const transformerLoaders: Readonly<Record<string, TransformerLoader>> = {
  simple_imputer: FittedSimpleImputer.fromJSON,
  standard_scaler: FittedAffineScaler.fromJSON,
  min_max_scaler: FittedAffineScaler.fromJSON,
  one_hot_encoder: FittedOneHotEncoder.fromJSON,
  ordinal_encoder: FittedOrdinalEncoder.fromJSON,
  date_parts: DateParts.fromJSON,
};

export function transformerFromJSON(
  json: KindedJson,
  loaders: Readonly<Record<string, TransformerLoader>> = transformerLoaders,
): FittedTransformer {
  const load = loaders[json.kind];
  if (!load) throw new Error(`No loader for saved transformer kind '${json.kind}'`);
  return load(json);
}
