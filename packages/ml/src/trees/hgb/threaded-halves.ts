import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { workerScriptUrl } from "../worker-script.js";
import { type BoostingData, sharedBoostingData } from "./boosting-data.js";
import {
  CONTROL_SLOTS,
  DONE,
  FAILED,
  GRADIENTS,
  type HalvesWorkerData,
  IDLE,
  KIND,
  PARAMS,
  POSTED,
  RESULT,
  ROOT,
  SPLIT,
  STATE,
  STOP,
  TAKEN,
} from "./halves-protocol.js";
import { addHistogram, buildRootHistogramPart, SLOT } from "./histograms.js";
import type { BoostingLoss } from "./losses.js";
import {
  checkLefts,
  type HalfWorkspace,
  halfPoint,
  halfWorkspace,
  type NodeHalves,
  rootSecondHalf,
  type SplitTask,
  splitFirstHalf,
  splitSecondHalf,
} from "./node-halves.js";

/** A Float64Array in shared memory. */
export function sharedFloats(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

/**
 * NodeHalves on two threads for single-output boosting (binary and regression): the calling thread
 * does each first half while one worker does the second, over shared memory (bins, row buffers,
 * gradients, raw predictions, targets). Nodes too small to cut, and second halves the worker has
 * not started by the time the first is done, run on the calling thread: the result is the same
 * either way, and a helper that the machine's load keeps off the CPU costs only the wake-up call.
 * `gradients` splits the loss's per-row work the same way.
 */
export class ThreadedHalves implements NodeHalves {
  readonly rows: readonly [Uint32Array, Uint32Array];
  readonly goesLeft: Uint8Array;
  private readonly data: BoostingData;
  private readonly ws: HalfWorkspace;
  private readonly partial: Float64Array;
  private readonly sums = sharedFloats(4);
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  private readonly worker: Worker;
  private readonly port: MessagePort;

  /** gh, raw and y must live in shared memory (see `sharedFloats`); the worker reads them in place. */
  constructor(
    data: BoostingData,
    constantHessian: boolean,
    loss: BoostingLoss,
    gh: Float64Array,
    raw: Float64Array,
    y: Float64Array,
  ) {
    if (loss.nOutputs !== 1) throw new Error("ThreadedHalves grows single-output trees");
    this.data = sharedBoostingData(data);
    const n = data.nRows;
    this.rows = [
      new Uint32Array(new SharedArrayBuffer(4 * n)),
      new Uint32Array(new SharedArrayBuffer(4 * n)),
    ];
    this.goesLeft = new Uint8Array(new SharedArrayBuffer(256));
    this.partial = sharedFloats(SLOT * data.histogramSlots);
    this.ws = halfWorkspace(this.data, constantHessian, this.rows, this.goesLeft);
    const bufferOf = (a: Float64Array) => {
      if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error("ThreadedHalves needs shared buffers");
      return a.buffer;
    };
    const { port1, port2 } = new MessageChannel();
    const workerData: HalvesWorkerData = {
      ...this.data,
      bins: this.data.bins.buffer as SharedArrayBuffer,
      packed: this.data.packed.buffer as SharedArrayBuffer,
      constantHessian,
      loss: loss.name,
      rows: [this.rows[0].buffer as SharedArrayBuffer, this.rows[1].buffer as SharedArrayBuffer],
      goesLeft: this.goesLeft.buffer as SharedArrayBuffer,
      gradientHessian: bufferOf(gh),
      raw: bufferOf(raw),
      y: bufferOf(y),
      partial: this.partial.buffer as SharedArrayBuffer,
      sums: this.sums.buffer as SharedArrayBuffer,
      control: this.control.buffer as SharedArrayBuffer,
      port: port2,
    };
    this.port = port1;
    this.worker = new Worker(workerScriptUrl("./halves-worker.js", import.meta.url), {
      workerData,
      transferList: [port2],
    });
    this.worker.unref();
    // A worker that fails to start never takes a task: the calling thread then does every half.
    this.worker.on("error", () => {});
  }

  /** The loss's gradients and hessians for all rows, in two halves. */
  gradients(loss: BoostingLoss, y: Float64Array, raw: Float64Array, gh: Float64Array): void {
    const n = this.data.nRows;
    const mid = halfPoint(0, n);
    if (mid === n) {
      loss.gradients(y, raw, gh);
      return;
    }
    this.post(GRADIENTS);
    loss.gradients(y, raw, gh, 0, mid);
    this.finish(() => {
      loss.gradients(y, raw, gh, mid, n);
      return 0;
    });
  }

  root(gh: Float64Array, hist: Float64Array): readonly [number, number] {
    const { ws, sums } = this;
    const n = this.data.nRows;
    const mid = halfPoint(0, n);
    if (mid < n) this.post(ROOT);
    buildRootHistogramPart(ws.data, gh, ws.constantHessian, 0, mid, hist, sums, 0);
    if (mid === n) return [sums[0]!, sums[1]!];
    this.finish(() => {
      rootSecondHalf(ws, gh, this.partial, sums);
      return 0;
    });
    addHistogram(hist, this.partial);
    return [sums[0]! + sums[2]!, sums[1]! + sums[3]!];
  }

  split(gh: Float64Array, task: SplitTask, smallHist: Float64Array | null): void {
    const mid = halfPoint(task.start, task.end);
    if (mid < task.end) {
      const c = this.control;
      c[PARAMS] = task.from;
      c[PARAMS + 1] = task.start;
      c[PARAMS + 2] = task.end;
      c[PARAMS + 3] = task.nLeft;
      c[PARAMS + 4] = task.feature;
      c[PARAMS + 5] = task.smallIsLeft ? 1 : 0;
      c[PARAMS + 6] = smallHist ? 1 : 0;
      this.post(SPLIT);
    }
    let lefts = splitFirstHalf(this.ws, gh, task, mid, smallHist);
    if (mid < task.end) {
      lefts += this.finish(() => splitSecondHalf(this.ws, gh, task, mid, smallHist ? this.partial : null));
      if (smallHist) addHistogram(smallHist, this.partial);
    }
    checkLefts(lefts, task);
  }

  close(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, STATE);
    this.port.close();
    void this.worker.terminate();
  }

  private post(kind: number): void {
    Atomics.store(this.control, KIND, kind);
    Atomics.store(this.control, STATE, POSTED);
    Atomics.notify(this.control, STATE);
  }

  /** The second half's result: done here if the worker has not taken it, else awaited. */
  private finish(here: () => number): number {
    const c = this.control;
    if (Atomics.compareExchange(c, STATE, POSTED, IDLE) === POSTED) return here();
    for (;;) {
      const state = Atomics.load(c, STATE);
      if (state === DONE) break;
      if (state === FAILED) {
        const report = receiveMessageOnPort(this.port);
        Atomics.store(c, STATE, IDLE);
        throw new Error(`Boosting helper thread failed: ${report ? String(report.message) : "no report"}`);
      }
      if (state !== TAKEN) throw new Error(`Boosting helper thread in unexpected state ${state}`);
      Atomics.wait(c, STATE, TAKEN, 1000);
    }
    const result = c[RESULT]!;
    Atomics.store(c, STATE, IDLE);
    return result;
  }
}
