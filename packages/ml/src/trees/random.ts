/**
 * Seeded pseudo-random numbers for model fitting (bootstrap draws, feature sampling, k-means++,
 * permutations). mulberry32, the generator the reference split uses, so a seed means the same thing
 * across the library; streams for independent jobs (one per tree) come from `deriveSeed`.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    const s = this.state;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * A well-mixed 32-bit seed for sub-stream `stream` of `seed` (splitmix32 finaliser), so that tree t of
 * a forest gets the same random numbers whichever worker builds it.
 */
export function deriveSeed(seed: number, stream: number): number {
  let z = (seed + Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Shuffles `values` in place (forward Fisher–Yates, the reference split's order of draws). */
export function shuffleInPlace(values: Int32Array | Uint32Array, random: SeededRandom): void {
  const n = values.length;
  for (let i = 0; i < n - 1; i++) {
    const j = i + random.nextInt(n - i);
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
}
