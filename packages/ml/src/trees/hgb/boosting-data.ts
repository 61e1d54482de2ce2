import type { BinnedDataset } from "../binning.js";

/** Features per histogram pass: two 32-bit words of packed bins per row. */
export const PASS_FEATURES = 8;

/** The boosting grower's view of a binned training set. */
export interface BoostingData {
  /** Column-major bins (`bins[f * nRows + i]`): what partitioning reads, one feature at a time. */
  readonly bins: Uint8Array;
  /**
   * Row-major bins for histogram building, four per 32-bit word: row i's bins are the bytes of
   * words [i * packedWords, (i + 1) * packedWords), features in order, padded with zeros to a multiple
   * of PASS_FEATURES. One pass over a node's rows then reads each row's bins with two loads per
   * eight features, instead of one scattered byte load per feature.
   */
  readonly packed: Uint32Array;
  readonly packedWords: number;
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
  /**
   * Slots of a histogram buffer: totalSlots, then one scratch slot per padding feature of the packed
   * layout (the padding bytes accumulate there and are never read).
   */
  readonly histogramSlots: number;
  /** Per packed feature position: the float offset of its slots in a histogram (SLOT * slot). */
  readonly packedOffsets: Int32Array;
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
  const positions = Math.max(1, Math.ceil(d / PASS_FEATURES)) * PASS_FEATURES;
  const packedOffsets = new Int32Array(positions);
  for (let p = 0; p < positions; p++) packedOffsets[p] = 3 * (p < d ? slotOffset[p]! : totalSlots + p - d);
  const packedWords = positions / 4;
  return {
    bins: x.bins,
    packed: packRows(x.bins, n, d, packedWords),
    packedWords,
    nRows: n,
    nFeatures: d,
    nBins,
    hasMissing,
    isCategorical: Uint8Array.from(features, (f) => (f.splitKind === "categorical" ? 1 : 0)),
    slotOffset,
    totalSlots,
    histogramSlots: totalSlots + positions - d,
    packedOffsets,
    thresholds: features.map((f) => f.thresholds),
    categoryBins: features.map((f) => f.categoryBins),
  };
}

/** Column-major bins → row-major words of four bins (little end first), zero-padded. */
function packRows(bins: Uint8Array, n: number, d: number, words: number): Uint32Array {
  const packed = new Uint32Array(n * words);
  for (let f = 0; f < d; f++) {
    const word = f >>> 2;
    const shift = 8 * (f & 3);
    const base = f * n;
    for (let i = 0; i < n; i++) packed[i * words + word]! |= bins[base + i]! << shift;
  }
  return packed;
}

/** The same data with its bins in shared memory, for worker threads. */
export function sharedBoostingData(data: BoostingData): BoostingData {
  const shared = <T extends Uint8Array | Uint32Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const copy = make(new SharedArrayBuffer(a.byteLength));
    copy.set(a);
    return copy;
  };
  return {
    ...data,
    bins: shared(data.bins, (b) => new Uint8Array(b)),
    packed: shared(data.packed, (b) => new Uint32Array(b)),
  };
}
