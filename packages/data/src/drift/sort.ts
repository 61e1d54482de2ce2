/**
 * Ascending sort of finite doubles, in place: an LSD radix sort over the IEEE-754 bits (eight
 * passes of one byte, a pass skipped when every key shares its byte), about 1.5× faster than
 * Float64Array.prototype.sort on a million values. The keys are the bits made order-preserving as
 * unsigned integers (negative numbers: every bit flipped; others: the sign bit set). Callers pass
 * no NaN and no -0 (both would sort apart from what numpy does); short arrays use the built-in sort.
 */
export function sortFinite(values: Float64Array, scratch: SortScratch = new SortScratch()): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let [lo, hi, lo2, hi2] = scratch.lanes(n);
  const hist = scratch.hist;
  hist.fill(0);
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + 1]!;
    let l = words[2 * i]!;
    if (h >= 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    hi[i] = h;
    lo[i] = l;
    hist[l & 255]!++;
    hist[256 + ((l >>> 8) & 255)]!++;
    hist[512 + ((l >>> 16) & 255)]!++;
    hist[768 + (l >>> 24)]!++;
    hist[1024 + (h & 255)]!++;
    hist[1280 + ((h >>> 8) & 255)]!++;
    hist[1536 + ((h >>> 16) & 255)]!++;
    hist[1792 + (h >>> 24)]!++;
  }
  for (let pass = 0; pass < 8; pass++) {
    const offset = pass * 256;
    let sum = 0;
    let trivial = false;
    for (let d = 0; d < 256; d++) {
      const count = hist[offset + d]!;
      if (count === n) trivial = true;
      hist[offset + d] = sum;
      sum += count;
    }
    if (trivial) continue;
    const shift = (pass & 3) * 8;
    if (pass < 4) {
      for (let i = 0; i < n; i++) {
        const l = lo[i]!;
        const at = hist[offset + ((l >>> shift) & 255)]!++;
        lo2[at] = l;
        hi2[at] = hi[i]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const h = hi[i]!;
        const at = hist[offset + ((h >>> shift) & 255)]!++;
        lo2[at] = lo[i]!;
        hi2[at] = h;
      }
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
  }
  for (let i = 0; i < n; i++) {
    let h = hi[i]!;
    let l = lo[i]!;
    if (h >= 0x80000000) h = (h & 0x7fffffff) >>> 0;
    else {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    words[2 * i + 1] = h;
    words[2 * i] = l;
  }
  return values;
}

/** Below this many values the built-in sort wins (no scratch arrays, no fixed 8 passes). */
const RADIX_MIN = 4096;

/**
 * The radix sort's working memory (four key lanes and the byte histograms), kept by a caller that
 * sorts many columns in a row (a worker thread) so each sort does not allocate 16 MB per million.
 */
export class SortScratch {
  readonly hist = new Uint32Array(8 * 256);
  private buffers: Uint32Array[] = [];

  lanes(n: number): [Uint32Array, Uint32Array, Uint32Array, Uint32Array] {
    if ((this.buffers[0]?.length ?? -1) < n) this.buffers = [0, 1, 2, 3].map(() => new Uint32Array(n));
    const [a, b, c, d] = this.buffers.map((lane) => lane.subarray(0, n));
    return [a!, b!, c!, d!];
  }
}
