/**
 * In-place partition of a node's row indices into its children (left rows first), shared by the CART
 * and boosting growers. Stable, through a scratch buffer: rows stay in ascending order within each
 * child, so histogram loops keep walking the bin columns forwards. Branch-free, because rows go left
 * or right at random and a branch would mispredict about half the time.
 */

/**
 * Stable partition of from[start, end) into to[start, end) when the left child's size is known in
 * advance (boosting knows it from the histogram): rows whose bin b has goesLeft[b] === 1 are written
 * from `start` on, the others from `start + nLeft` on, so there is no scratch copy and no copy back;
 * the children's rows then live in `to`. The 256-entry table, built per split, serves numeric
 * thresholds, category sets and the missing bin alike. Throws if the count was wrong.
 */
export function partitionInto(
  from: Uint32Array,
  to: Uint32Array,
  start: number,
  end: number,
  nLeft: number,
  bins: Uint8Array,
  base: number,
  goesLeft: Uint8Array,
): void {
  let l = start;
  let r = start + nLeft;
  let i = start;
  // Branch-free and in int32 (a product would make V8 compute the index in floats): the destination
  // is l when left is 1 (mask all ones), r otherwise; exactly one of them advances. Four rows per
  // iteration: V8 re-checks the arrays once per iteration, and the four lookups overlap (2× faster).
  for (; i + 3 < end; i += 4) {
    const row0 = from[i]!;
    const row1 = from[i + 1]!;
    const row2 = from[i + 2]!;
    const row3 = from[i + 3]!;
    const left0 = goesLeft[bins[base + row0]!]!;
    const left1 = goesLeft[bins[base + row1]!]!;
    const left2 = goesLeft[bins[base + row2]!]!;
    const left3 = goesLeft[bins[base + row3]!]!;
    to[r ^ ((l ^ r) & -left0)] = row0;
    l += left0;
    r += 1 - left0;
    to[r ^ ((l ^ r) & -left1)] = row1;
    l += left1;
    r += 1 - left1;
    to[r ^ ((l ^ r) & -left2)] = row2;
    l += left2;
    r += 1 - left2;
    to[r ^ ((l ^ r) & -left3)] = row3;
    l += left3;
    r += 1 - left3;
  }
  for (; i < end; i++) {
    const row = from[i]!;
    const left = goesLeft[bins[base + row]!]!;
    to[r ^ ((l ^ r) & -left)] = row;
    l += left;
    r += 1 - left;
  }
  if (l !== start + nLeft || r !== end) {
    throw new Error(`Partition mismatch: ${l - start} rows went left, the histogram counted ${nLeft}`);
  }
}

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
