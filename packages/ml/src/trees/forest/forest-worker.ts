import { workerData } from "node:worker_threads";
import type { CartTarget } from "../cart/cart-grower.js";
import { transferableBuffers as buffersOf } from "../flat-tree.js";
import { type ForestWorkerData, type ForestWorkerMessage, NEXT_TREE, POSTED } from "./forest-protocol.js";
import { growForestTree } from "./forest-tree.js";

/** Worker entry: claims tree indices from a shared counter until all trees are built. */
const input = workerData as ForestWorkerData;
const control = new Int32Array(input.control);

function post(message: ForestWorkerMessage, transfer: ArrayBuffer[] = []): void {
  input.port.postMessage(message, transfer);
  Atomics.add(control, POSTED, 1);
  Atomics.notify(control, POSTED);
}

try {
  const data = {
    bins: new Uint8Array(input.bins),
    nRows: input.nRows,
    nBins: input.nBins,
    hasMissing: input.hasMissing,
    thresholds: input.thresholds,
  };
  const target: CartTarget =
    input.target.kind === "classification"
      ? {
          kind: "classification",
          classes: new Int32Array(input.target.classes),
          nClasses: input.target.nClasses,
        }
      : { kind: "regression", values: new Float64Array(input.target.values) };
  for (;;) {
    const index = Atomics.add(control, NEXT_TREE, 1);
    if (index >= input.nTrees) break;
    const tree = growForestTree(data, target, input.params, input.bootstrap, input.seed, index);
    post({ type: "tree", index, tree }, buffersOf(tree));
  }
} catch (error) {
  post({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
