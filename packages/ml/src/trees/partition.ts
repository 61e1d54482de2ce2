/**
 * Partition of a node's row indices into its children (left rows first), for the CART and boosting
 * growers. Stable: rows stay in ascending order within each child, so later passes walk the bin
 * columns forwards. Branch-free, because rows go left or right at random and a branch would
 * mispredict about half the time.
 */

/**
 * Stable partition of from[start, end) into a second buffer when the children's sizes are known in
 * advance (boosting knows them from the histogram), so there is no scratch copy and no copy back.
 * Rows whose bin b has goesLeft[b] === 1 go left. The 256-entry table, built per split, serves
 * numeric thresholds, category sets and the missing bin alike.
 *
 * Forward: left rows are written to to[leftAt], to[leftAt + 1], …, right rows from rightAt on.
 * Returns the number of left rows. Branch-free and in int32 (a product would make V8 compute the
 * index in floats): the destination is l when left is 1 (mask all ones), r otherwise, and exactly one
 * of them advances. Four rows per iteration: V8 re-checks the arrays once per iteration, and the
 * four lookups overlap (2× faster than one row per iteration).
 */
export function partitionForward(
  from: Uint32Array,
  to: Uint32Array,
  start: number,
  end: number,
  leftAt: number,
  rightAt: number,
  bins: Uint8Array,
  base: number,
  goesLeft: Uint8Array,
): number {
  let l = leftAt;
  let r = rightAt;
  let i = start;
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
  return l - leftAt;
}

/**
 * The mirror image: walks from[start, end) from the end and writes left rows downwards ending just
 * before `leftEnd`, right rows downwards ending just before `rightEnd`, so both keep their ascending
 * order. Two threads can partition the two halves of a node at once (the first half forwards, the
 * second backwards) and produce exactly the order of one forward pass. Returns the left rows.
 */
export function partitionBackward(
  from: Uint32Array,
  to: Uint32Array,
  start: number,
  end: number,
  leftEnd: number,
  rightEnd: number,
  bins: Uint8Array,
  base: number,
  goesLeft: Uint8Array,
): number {
  let l = leftEnd - 1;
  let r = rightEnd - 1;
  let i = end - 1;
  for (; i - 3 >= start; i -= 4) {
    const row0 = from[i]!;
    const row1 = from[i - 1]!;
    const row2 = from[i - 2]!;
    const row3 = from[i - 3]!;
    const left0 = goesLeft[bins[base + row0]!]!;
    const left1 = goesLeft[bins[base + row1]!]!;
    const left2 = goesLeft[bins[base + row2]!]!;
    const left3 = goesLeft[bins[base + row3]!]!;
    to[r ^ ((l ^ r) & -left0)] = row0;
    l -= left0;
    r -= 1 - left0;
    to[r ^ ((l ^ r) & -left1)] = row1;
    l -= left1;
    r -= 1 - left1;
    to[r ^ ((l ^ r) & -left2)] = row2;
    l -= left2;
    r -= 1 - left2;
    to[r ^ ((l ^ r) & -left3)] = row3;
    l -= left3;
    r -= 1 - left3;
  }
  for (; i >= start; i--) {
    const row = from[i]!;
    const left = goesLeft[bins[base + row]!]!;
    to[r ^ ((l ^ r) & -left)] = row;
    l -= left;
    r -= 1 - left;
  }
  return leftEnd - 1 - l;
}

/**
 * In place through a scratch buffer (the left count is not known in advance): rows with
 * bin <= splitBin (missing: per `missingGoesLeft`) first. Returns the first right position.
 */
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
  let i = start;
  // Four rows per iteration, decided in int32 without branches (see partitionForward).
  for (; i + 3 < end; i += 4) {
    const row0 = rows[i]!;
    const row1 = rows[i + 1]!;
    const row2 = rows[i + 2]!;
    const row3 = rows[i + 3]!;
    const left0 = goesLeftOf(bins[base + row0]!, splitBin, missingBin, missingLeft);
    const left1 = goesLeftOf(bins[base + row1]!, splitBin, missingBin, missingLeft);
    const left2 = goesLeftOf(bins[base + row2]!, splitBin, missingBin, missingLeft);
    const left3 = goesLeftOf(bins[base + row3]!, splitBin, missingBin, missingLeft);
    rows[l] = row0;
    scratch[r] = row0;
    l += left0;
    r += 1 - left0;
    rows[l] = row1;
    scratch[r] = row1;
    l += left1;
    r += 1 - left1;
    rows[l] = row2;
    scratch[r] = row2;
    l += left2;
    r += 1 - left2;
    rows[l] = row3;
    scratch[r] = row3;
    l += left3;
    r += 1 - left3;
  }
  for (; i < end; i++) {
    const row = rows[i]!;
    const left = goesLeftOf(bins[base + row]!, splitBin, missingBin, missingLeft);
    rows[l] = row;
    scratch[r] = row;
    l += left;
    r += 1 - left;
  }
  rows.set(scratch.subarray(0, r), l);
  return l;
}

/** 1 when bin b goes left: b <= splitBin, or b is the missing bin and missing values go left. */
function goesLeftOf(b: number, splitBin: number, missingBin: number, missingLeft: number): number {
  const below = ((splitBin - b) >>> 31) ^ 1;
  const missing = ((b ^ missingBin) - 1) >>> 31;
  return below ^ ((below ^ missingLeft) & -missing);
}
