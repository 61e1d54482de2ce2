/**
 * In-place partition of a node's row indices into its children (left rows first), shared by the CART
 * and boosting growers. Stable, through a scratch buffer: rows stay in ascending order within each
 * child, so histogram loops keep walking the bin columns forwards. Branch-free, because rows go left
 * or right at random and a branch would mispredict about half the time.
 */

/** Rows with bin <= splitBin (missing: per `missingGoesLeft`) first. Returns the first right position. */
export function partitionByThreshold(
  rows: Uint32Array,
  scratch: Uint32Array,
  start: number,
  end: number,
  bins: Uint8Array,
  base: number,
  missingBin: number,
  splitBin: number,
  missingGoesLeft: boolean,
): number {
  let l = start;
  let r = 0;
  const missingLeft = missingGoesLeft ? 1 : 0;
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    const b = bins[base + row]!;
    const left = b === missingBin ? missingLeft : b <= splitBin ? 1 : 0;
    rows[l] = row;
    scratch[r] = row;
    l += left;
    r += 1 - left;
  }
  for (let j = 0; j < r; j++) rows[l + j] = scratch[j]!;
  return l;
}

/** Rows whose bin is in `leftBins` (a 256-bit set) first. Returns the first right position. */
export function partitionByBitset(
  rows: Uint32Array,
  scratch: Uint32Array,
  start: number,
  end: number,
  bins: Uint8Array,
  base: number,
  leftBins: Uint32Array,
): number {
  let l = start;
  let r = 0;
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    const b = bins[base + row]!;
    const left = (leftBins[b >>> 5]! >>> (b & 31)) & 1;
    rows[l] = row;
    scratch[r] = row;
    l += left;
    r += 1 - left;
  }
  for (let j = 0; j < r; j++) rows[l + j] = scratch[j]!;
  return l;
}
