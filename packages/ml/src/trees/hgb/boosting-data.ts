import type { BinnedDataset } from "../binning.js";

/** The boosting grower's view of a binned training set. */
export interface BoostingData {
  readonly bins: Uint8Array;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Non-missing bins per feature; the missing bin of feature f is nBins[f]. */
  readonly nBins: Int32Array;
  /** Whether the training rows have missing values, per feature (decides the scan directions). */
  readonly hasMissing: Uint8Array;
  readonly isCategorical: Uint8Array;
  /** First histogram slot of each feature; feature f owns nBins[f] + 1 slots (missing last). */
  readonly slotOffset: Int32Array;
  readonly totalSlots: number;
  readonly thresholds: readonly Float64Array[];
  readonly categoryBins: readonly Int32Array[];
}

export function boostingData(x: BinnedDataset): BoostingData {
  const features = x.mapper.features;
  const d = features.length;
  const n = x.nRows;
  const nBins = Int32Array.from(features, (f) => f.nBins);
  const slotOffset = new Int32Array(d);
  let totalSlots = 0;
  const hasMissing = new Uint8Array(d);
  for (let f = 0; f < d; f++) {
    slotOffset[f] = totalSlots;
    totalSlots += nBins[f]! + 1;
    const missingBin = nBins[f]!;
    const column = x.bins.subarray(f * n, (f + 1) * n);
    hasMissing[f] = column.includes(missingBin) ? 1 : 0;
  }
  return {
    bins: x.bins,
    nRows: n,
    nFeatures: d,
    nBins,
    hasMissing,
    isCategorical: Uint8Array.from(features, (f) => (f.splitKind === "categorical" ? 1 : 0)),
    slotOffset,
    totalSlots,
    thresholds: features.map((f) => f.thresholds),
    categoryBins: features.map((f) => f.categoryBins),
  };
}
