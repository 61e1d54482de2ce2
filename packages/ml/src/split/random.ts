/**
 * mulberry32: the reference PRNG of ml-baselines.md §0. Every seeded operation in the library
 * draws from it, so a split or a shuffle made here matches the Python reference script bit for bit.
 */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    // The sum can exceed 32 bits; `^ t` brings it back to 32 bits, as the reference does.
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Row indices 0..n-1 permuted by the forward Fisher–Yates of §0 (i = 0..n-2, j = i + ⌊rnd·(n−i)⌋). */
export function shuffledIndices(n: number, random: Random): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}
