import type { Frame } from "../frame/frame.js";
import { type BinnedDataset, type BinningOptions, fitBins } from "./binning.js";

/** What tree models fit on: a frame (binned on the fly) or a dataset binned beforehand. */
export type TreeInput = Frame | BinnedDataset;

export function isBinnedDataset(x: TreeInput): x is BinnedDataset {
  return (x as BinnedDataset).bins instanceof Uint8Array;
}

export function binnedInput(x: TreeInput, options: BinningOptions): BinnedDataset {
  return isBinnedDataset(x) ? x : fitBins(x, options);
}
