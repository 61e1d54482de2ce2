import { partitionBackward, partitionForward } from "../partition.js";
import type { BoostingData } from "./boosting-data.js";
import {
  addHistogram,
  buildHistogram,
  buildRootHistogramPart,
  type GatherBuffers,
  gatherBuffers,
  SLOT,
} from "./histograms.js";

/**
 * The row-proportional work of growing one boosting tree, cut into two halves so that two threads can
 * share it: the root histogram (rows 0..n/2-1 and n/2..n-1), and for every split of a large node the
 * partition of its rows (first half forwards, second half backwards, which yields exactly the order
 * of one forward pass) followed by the histogram of the smaller child's rows that each half produced.
 *
 * Whether a node is cut depends only on its size (HALVES_MIN_ROWS), never on the thread count, and a
 * cut histogram is always the first half's sums plus the second half's: the model is the same for any
 * number of threads. `SerialHalves` does both halves on the calling thread; `ThreadedHalves` hands the
 * second half to a worker (and takes it back if the worker has not started it when the first is done).
 */
export const HALVES_MIN_ROWS = 16_384;

/** Buffers one thread works in. Row buffers and the goes-left table are shared by both threads. */
export interface HalfWorkspace {
  readonly data: BoostingData;
  readonly constantHessian: boolean;
  /** A split moves its node's rows from one buffer to the other. */
  readonly rows: readonly [Uint32Array, Uint32Array];
  /** Per bin of the split feature: 1 when its rows go left. */
  readonly goesLeft: Uint8Array;
  /** This thread's gather scratch. */
  readonly scratch: GatherBuffers;
}

export function halfWorkspace(
  data: BoostingData,
  constantHessian: boolean,
  rows: readonly [Uint32Array, Uint32Array],
  goesLeft: Uint8Array,
): HalfWorkspace {
  return { data, constantHessian, rows, goesLeft, scratch: gatherBuffers(data) };
}

/** One split as the halves see it: node rows[from][start, end) with nLeft rows going left. */
export interface SplitTask {
  readonly from: number;
  readonly start: number;
  readonly end: number;
  readonly nLeft: number;
  readonly feature: number;
  readonly smallIsLeft: boolean;
}

/** Where a half cuts a node: at the middle when the node is large enough, else nowhere (= end). */
export function halfPoint(start: number, end: number): number {
  return end - start >= HALVES_MIN_ROWS ? start + ((end - start) >> 1) : end;
}

/**
 * First half (or the whole node when it is not cut): partitions rows[from][start, mid) forwards and,
 * when `hist` is given, builds the histogram of the rows it sent to the smaller child. Returns how
 * many rows it sent left.
 */
export function splitFirstHalf(
  ws: HalfWorkspace,
  gh: Float64Array,
  task: SplitTask,
  mid: number,
  hist: Float64Array | null,
): number {
  const { start, nLeft } = task;
  const from = ws.rows[task.from]!;
  const to = ws.rows[1 - task.from]!;
  const base = task.feature * ws.data.nRows;
  const lefts = partitionForward(from, to, start, mid, start, start + nLeft, ws.data.bins, base, ws.goesLeft);
  if (hist) {
    const rights = mid - start - lefts;
    if (task.smallIsLeft)
      buildHistogram(ws.data, to, start, start + lefts, gh, ws.constantHessian, ws.scratch, hist);
    else
      buildHistogram(
        ws.data,
        to,
        start + nLeft,
        start + nLeft + rights,
        gh,
        ws.constantHessian,
        ws.scratch,
        hist,
      );
  }
  return lefts;
}

/** Second half: rows[from][mid, end) backwards, then the histogram of its smaller-child rows. */
export function splitSecondHalf(
  ws: HalfWorkspace,
  gh: Float64Array,
  task: SplitTask,
  mid: number,
  hist: Float64Array | null,
): number {
  const { start, end, nLeft } = task;
  const from = ws.rows[task.from]!;
  const to = ws.rows[1 - task.from]!;
  const base = task.feature * ws.data.nRows;
  const lefts = partitionBackward(from, to, mid, end, start + nLeft, end, ws.data.bins, base, ws.goesLeft);
  if (hist) {
    const rights = end - mid - lefts;
    if (task.smallIsLeft)
      buildHistogram(
        ws.data,
        to,
        start + nLeft - lefts,
        start + nLeft,
        gh,
        ws.constantHessian,
        ws.scratch,
        hist,
      );
    else buildHistogram(ws.data, to, end - rights, end, gh, ws.constantHessian, ws.scratch, hist);
  }
  return lefts;
}

/** Second half of the root: rows n/2..n-1 (the first half is rows 0..n/2-1). */
export function rootSecondHalf(
  ws: HalfWorkspace,
  gh: Float64Array,
  hist: Float64Array,
  sums: Float64Array,
): void {
  const n = ws.data.nRows;
  buildRootHistogramPart(ws.data, gh, ws.constantHessian, halfPoint(0, n), n, hist, sums, 2);
}

/** How a grower gets its row-proportional work done. */
export interface NodeHalves {
  readonly rows: readonly [Uint32Array, Uint32Array];
  readonly goesLeft: Uint8Array;
  /** Root histogram without counts into `hist`; returns [Σ gradient, Σ hessian] of all rows. */
  root(gh: Float64Array, hist: Float64Array): readonly [number, number];
  /** Partitions the task's node into rows[1 - from] and, given `smallHist`, fills the smaller child's histogram. */
  split(gh: Float64Array, task: SplitTask, smallHist: Float64Array | null): void;
  close(): void;
}

/** Both halves on the calling thread. */
export class SerialHalves implements NodeHalves {
  readonly rows: readonly [Uint32Array, Uint32Array];
  readonly goesLeft = new Uint8Array(256);
  private readonly ws: HalfWorkspace;
  private readonly part: Float64Array;
  private readonly sums = new Float64Array(4);

  constructor(data: BoostingData, constantHessian: boolean) {
    this.rows = [new Uint32Array(data.nRows), new Uint32Array(data.nRows)];
    this.ws = halfWorkspace(data, constantHessian, this.rows, this.goesLeft);
    this.part = new Float64Array(SLOT * data.histogramSlots);
  }

  root(gh: Float64Array, hist: Float64Array): readonly [number, number] {
    const { ws, sums } = this;
    const mid = halfPoint(0, ws.data.nRows);
    buildRootHistogramPart(ws.data, gh, ws.constantHessian, 0, mid, hist, sums, 0);
    if (mid === ws.data.nRows) return [sums[0]!, sums[1]!];
    rootSecondHalf(ws, gh, this.part, sums);
    addHistogram(hist, this.part);
    return [sums[0]! + sums[2]!, sums[1]! + sums[3]!];
  }

  split(gh: Float64Array, task: SplitTask, smallHist: Float64Array | null): void {
    const mid = halfPoint(task.start, task.end);
    let lefts = splitFirstHalf(this.ws, gh, task, mid, smallHist);
    if (mid < task.end) {
      lefts += splitSecondHalf(this.ws, gh, task, mid, smallHist ? this.part : null);
      if (smallHist) addHistogram(smallHist, this.part);
    }
    checkLefts(lefts, task);
  }

  close(): void {}
}

export function checkLefts(lefts: number, task: SplitTask): void {
  if (lefts !== task.nLeft) {
    throw new Error(`Partition mismatch: ${lefts} rows went left, the histogram counted ${task.nLeft}`);
  }
}
