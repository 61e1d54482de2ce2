import { workerData } from "node:worker_threads";
import type { BoostingData } from "./boosting-data.js";
import {
  DONE,
  FAILED,
  GRADIENTS,
  type HalvesWorkerData,
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
import { singleOutputLoss } from "./losses.js";
import { halfPoint, halfWorkspace, rootSecondHalf, type SplitTask, splitSecondHalf } from "./node-halves.js";

/** Helper thread of ThreadedHalves: takes posted second halves (see halves-protocol.ts). */
const input = workerData as HalvesWorkerData;
const data: BoostingData = {
  ...input,
  bins: new Uint8Array(input.bins),
  packed: new Uint32Array(input.packed),
};
const ws = halfWorkspace(
  data,
  input.constantHessian,
  [new Uint32Array(input.rows[0]), new Uint32Array(input.rows[1])],
  new Uint8Array(input.goesLeft),
);
const gh = new Float64Array(input.gradientHessian);
const raw = new Float64Array(input.raw);
const y = new Float64Array(input.y);
const partial = new Float64Array(input.partial);
const sums = new Float64Array(input.sums);
const control = new Int32Array(input.control);
const loss = singleOutputLoss(input.loss);

function run(): number {
  switch (Atomics.load(control, KIND)) {
    case GRADIENTS:
      loss.gradients(y, raw, gh, halfPoint(0, data.nRows), data.nRows);
      return 0;
    case ROOT:
      rootSecondHalf(ws, gh, partial, sums);
      return 0;
    case SPLIT: {
      const p = PARAMS;
      const task: SplitTask = {
        from: control[p]!,
        start: control[p + 1]!,
        end: control[p + 2]!,
        nLeft: control[p + 3]!,
        feature: control[p + 4]!,
        smallIsLeft: control[p + 5] === 1,
      };
      const mid = halfPoint(task.start, task.end);
      return splitSecondHalf(ws, gh, task, mid, control[p + 6] === 1 ? partial : null);
    }
    default:
      throw new Error(`Unknown task ${Atomics.load(control, KIND)}`);
  }
}

for (;;) {
  const state = Atomics.load(control, STATE);
  if (Atomics.load(control, STOP) === 1) break;
  if (state !== POSTED) {
    Atomics.wait(control, STATE, state);
    continue;
  }
  if (Atomics.compareExchange(control, STATE, POSTED, TAKEN) !== POSTED) continue;
  try {
    control[RESULT] = run();
    Atomics.store(control, STATE, DONE);
  } catch (error) {
    input.port.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
    Atomics.store(control, STATE, FAILED);
  }
  Atomics.notify(control, STATE);
}
