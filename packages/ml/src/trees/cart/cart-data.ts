import type { BinnedDataset } from "../binning.js";
import type { CartData } from "./cart-grower.js";

/** The grower's view of a binned dataset. CART splits are ordered, so categories must be ordinal-binned. */
export function cartData(x: BinnedDataset): CartData {
  const features = x.mapper.features;
  const native = features.find((f) => f.splitKind === "categorical");
  if (native) {
    throw new Error(
      `Feature '${native.name}' is binned as a native categorical; decision trees and forests split ` +
        `category codes in order, so bin with { categorical: "ordinal" }`,
    );
  }
  return {
    bins: x.bins,
    nRows: x.nRows,
    nBins: Int32Array.from(features, (f) => f.nBins),
    hasMissing: Uint8Array.from(features, (f) => (f.hasMissing ? 1 : 0)),
    thresholds: features.map((f) => f.thresholds),
  };
}

/** Feature count per split: "sqrt" and "log2" as scikit-learn (floored, at least 1), a count, or a fraction. */
export type MaxFeatures = "sqrt" | "log2" | "all" | number | { readonly fraction: number };

export function resolveMaxFeatures(maxFeatures: MaxFeatures, nFeatures: number): number {
  let k: number;
  if (maxFeatures === "all") k = nFeatures;
  else if (maxFeatures === "sqrt") k = Math.floor(Math.sqrt(nFeatures));
  else if (maxFeatures === "log2") k = Math.floor(Math.log2(nFeatures));
  else if (typeof maxFeatures === "number") {
    if (!Number.isInteger(maxFeatures) || maxFeatures < 1) {
      throw new Error(`maxFeatures must be a positive integer count, got ${maxFeatures}`);
    }
    k = maxFeatures;
  } else {
    if (!(maxFeatures.fraction > 0 && maxFeatures.fraction <= 1)) {
      throw new Error(`maxFeatures.fraction must be in (0, 1], got ${maxFeatures.fraction}`);
    }
    k = Math.floor(maxFeatures.fraction * nFeatures);
  }
  return Math.min(nFeatures, Math.max(1, k));
}
