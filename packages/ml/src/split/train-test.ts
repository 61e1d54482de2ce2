/**
 * Train/test splits. `trainTestSplit` is the reference split of ml-baselines.md §0: test = the first
 * round(f·n) shuffled indices sorted ascending, train = the rest in shuffled order, so "the first N
 * training rows" is a uniform subsample.
 */
import { mulberry32, shuffledIndices } from "./random.js";

/** Row indices of one split. The reference split keeps `train` in shuffled order; folds are ascending. */
export interface TrainTestSplit {
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

export interface SplitOptions {
  readonly testFraction?: number;
  readonly seed?: number;
}

const DEFAULT_TEST_FRACTION = 0.2;
const DEFAULT_SEED = 42;

export function trainTestSplit(nRows: number, options: SplitOptions = {}): TrainTestSplit {
  const { testFraction, seed } = resolve(options);
  const order = shuffledIndices(nRows, mulberry32(seed));
  const nTest = testCount(nRows, testFraction);
  return { train: order.slice(nTest), test: order.slice(0, nTest).sort() };
}

/**
 * Stratified variant: the same shuffle, then each class contributes its first t_c shuffled rows to the
 * test set, with t_c = f·n_c rounded by largest remainder so the test size is still round(f·n).
 */
export function stratifiedTrainTestSplit(labels: Int32Array, options: SplitOptions = {}): TrainTestSplit {
  const { testFraction, seed } = resolve(options);
  const n = labels.length;
  const nClasses = classCount(labels);
  const classSizes = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) classSizes[labels[i]!]!++;
  const quota = largestRemainderQuota(classSizes, testFraction, testCount(n, testFraction));

  const order = shuffledIndices(n, mulberry32(seed));
  const taken = new Int32Array(nClasses);
  const test: number[] = [];
  const train = new Uint32Array(n - quota.reduce((a, b) => a + b, 0));
  let t = 0;
  for (let i = 0; i < n; i++) {
    const row = order[i]!;
    const c = labels[row]!;
    if (taken[c]! < quota[c]!) {
      taken[c]!++;
      test.push(row);
    } else {
      train[t++] = row;
    }
  }
  return { train, test: Uint32Array.from(test).sort() };
}

export function testCount(nRows: number, testFraction: number): number {
  // Python's round() is half-to-even; 0.2·n is never exactly .5 for the reference sets, but be exact.
  return roundHalfEven(testFraction * nRows);
}

export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Number of classes in 0-based class codes; throws on negative codes. */
export function classCount(labels: Int32Array): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c < 0) throw new Error(`Class code ${c} at row ${i}: labels must be 0-based codes`);
    if (c > max) max = c;
  }
  return max + 1;
}

function largestRemainderQuota(sizes: Float64Array, fraction: number, total: number): number[] {
  const exact = Array.from(sizes, (s) => s * fraction);
  const quota = exact.map(Math.floor);
  let missing = total - quota.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((e, c) => ({ c, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of byRemainder) {
    if (missing <= 0) break;
    if (quota[c]! < sizes[c]!) {
      quota[c]!++;
      missing--;
    }
  }
  return quota;
}

function resolve(options: SplitOptions): { testFraction: number; seed: number } {
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction > 0 && testFraction < 1))
    throw new Error(`testFraction must be in (0, 1), got ${testFraction}`);
  return { testFraction, seed: options.seed ?? DEFAULT_SEED };
}
