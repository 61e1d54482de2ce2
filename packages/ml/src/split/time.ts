/** Time-based split: train on the past, test on the future, never shuffled. */
import type { TrainTestSplit } from "./train-test.js";
import { testCount } from "./train-test.js";

export type TimeSplitOptions = { readonly testFraction: number } | { readonly cutoff: number };

/**
 * Rows ordered by time (ties keep row order). With `testFraction`, the latest round(f·n) rows are
 * the test set; with `cutoff`, rows with time >= cutoff are. Both index arrays come in time order.
 */
export function timeSplit(times: Float64Array, options: TimeSplitOptions): TrainTestSplit {
  const n = times.length;
  for (let i = 0; i < n; i++) if (Number.isNaN(times[i]!)) throw new Error(`Missing time at row ${i}`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]! || a - b);
  let nTrain: number;
  if ("cutoff" in options) {
    nTrain = 0;
    while (nTrain < n && times[order[nTrain]!]! < options.cutoff) nTrain++;
  } else {
    nTrain = n - testCount(n, options.testFraction);
  }
  return { train: order.slice(0, nTrain), test: order.slice(nTrain) };
}
