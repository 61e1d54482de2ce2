/** k-fold and stratified k-fold cross-validation folds, seeded with the reference shuffle. */
import { mulberry32, shuffledIndices } from "./random.js";
import { classCount, type TrainTestSplit } from "./train-test.js";

export interface KFoldOptions {
  readonly shuffle?: boolean;
  readonly seed?: number;
}

/**
 * scikit-learn's fold sizes: the first n mod k folds hold ⌊n/k⌋+1 rows, the others ⌊n/k⌋. Rows are
 * taken in shuffled order when `shuffle` (default true). Both index arrays of a fold are ascending.
 */
export function kFold(nRows: number, k: number, options: KFoldOptions = {}): TrainTestSplit[] {
  checkFoldCount(nRows, k);
  const order = rowOrder(nRows, options);
  const folds = new Uint8Array(nRows);
  let position = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(nRows / k) + (f < nRows % k ? 1 : 0);
    for (let i = 0; i < size; i++) folds[order[position++]!] = f;
  }
  return foldsToSplits(folds, k);
}

/**
 * Each class's rows (in shuffled order) are laid end to end and dealt to folds round-robin, so every
 * fold holds ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of class c and fold sizes differ by at most one.
 */
export function stratifiedKFold(labels: Int32Array, k: number, options: KFoldOptions = {}): TrainTestSplit[] {
  const n = labels.length;
  checkFoldCount(n, k);
  const order = rowOrder(n, options);
  const nClasses = classCount(labels);
  const start = new Int32Array(nClasses + 1);
  for (let i = 0; i < n; i++) start[labels[i]! + 1]!++;
  for (let c = 0; c < nClasses; c++) start[c + 1]! += start[c]!;
  const byClass = new Uint32Array(n);
  const next = start.slice(0, nClasses);
  for (let i = 0; i < n; i++) {
    const row = order[i]!;
    byClass[next[labels[row]!]!++] = row;
  }
  const folds = new Uint8Array(n);
  for (let p = 0; p < n; p++) folds[byClass[p]!] = p % k;
  return foldsToSplits(folds, k);
}

function rowOrder(n: number, options: KFoldOptions): Uint32Array {
  if (options.shuffle ?? true) return shuffledIndices(n, mulberry32(options.seed ?? 42));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

function foldsToSplits(folds: Uint8Array, k: number): TrainTestSplit[] {
  const sizes = new Int32Array(k);
  for (let i = 0; i < folds.length; i++) sizes[folds[i]!]!++;
  const splits: TrainTestSplit[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Uint32Array(sizes[f]!);
    const train = new Uint32Array(folds.length - sizes[f]!);
    let a = 0;
    let b = 0;
    for (let i = 0; i < folds.length; i++) {
      if (folds[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    splits.push({ train, test });
  }
  return splits;
}

function checkFoldCount(n: number, k: number): void {
  if (!Number.isInteger(k) || k < 2 || k > 255) throw new Error(`k must be an integer in 2..255, got ${k}`);
  if (k > n) throw new Error(`Cannot make ${k} folds from ${n} rows`);
}
