/**
 * The reference encodings of ml-baselines.md §0 as transformer chains, fitted on training rows.
 * Category vocabularies are the columns' dictionaries (a CSV's whole file), so every level has a code.
 * Missing numeric values take the training median in both (the spec states it for `ord`; `lin` does
 * the same before standardising, and only penguins has any).
 */
import { OneHotEncoder, OrdinalEncoder } from "./encode.js";
import { SimpleImputer } from "./impute.js";
import { StandardScaler } from "./scale.js";
import type { Transformer } from "./transformer.js";

/**
 * Linear models: numeric standardised (population std, 0 → 1), categorical one-hot, missing as its
 * own level.
 */
export function linEncoding(): Transformer[] {
  return [
    new SimpleImputer({ strategy: "median" }),
    new StandardScaler(),
    new OneHotEncoder({ categories: "dictionary", missing: "category" }),
  ];
}

/** Tree models: numeric as is, categorical as sorted-level codes, missing as the level `__missing__`. */
export function ordEncoding(): Transformer[] {
  return [
    new SimpleImputer({ strategy: "median" }),
    new OrdinalEncoder({ categories: "dictionary", missing: "category" }),
  ];
}
