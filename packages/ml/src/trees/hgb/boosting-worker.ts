import { workerData } from "node:worker_threads";
import { transferableBuffers as buffersOf } from "../flat-tree.js";
import type { BoostingData } from "./boosting-data.js";
import { BoostingGrower } from "./boosting-grower.js";
import {
  type BoostingWorkerData,
  type BoostingWorkerMessage,
  DONE,
  GENERATION,
  READY,
  STOP,
} from "./boosting-protocol.js";

/**
 * Worker entry: each generation (boosting iteration), grows the trees of its outputs from the shared
 * gradients, adds their leaf values to its outputs' shared raw predictions, and posts the trees.
 */
const input = workerData as BoostingWorkerData;
const control = new Int32Array(input.control);
const data: BoostingData = {
  ...input,
  bins: new Uint8Array(input.bins),
  packed: new Uint32Array(input.packed),
};
const gradientHessian = new Float64Array(input.gradientHessian);
const raw = new Float64Array(input.raw);
const grower = new BoostingGrower(data, input.params, input.constantHessian);

function post(message: BoostingWorkerMessage, transfer: ArrayBuffer[] = []): void {
  input.port.postMessage(message, transfer);
}

Atomics.add(control, READY, 1);
Atomics.notify(control, READY);
let seen = 0;
for (;;) {
  Atomics.wait(control, GENERATION, seen);
  seen = Atomics.load(control, GENERATION);
  if (Atomics.load(control, STOP) === 1) break;
  try {
    const n = input.nRows;
    for (const k of input.outputs) {
      const tree = grower.grow(gradientHessian, raw, k * n);
      post({ type: "tree", output: k, tree }, buffersOf(tree));
    }
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}
