import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { CartData, CartParams, CartTarget } from "../cart/cart-grower.js";
import type { FlatTree } from "../flat-tree.js";
import { workerScriptUrl } from "../worker-script.js";
import { type ForestWorkerData, type ForestWorkerMessage, NEXT_TREE, POSTED } from "./forest-protocol.js";
import { growForestTree } from "./forest-tree.js";

function shared(bytes: ArrayBufferView): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return buffer;
}

/**
 * Builds a forest's trees on `threads` threads: the calling thread and threads − 1 workers claim tree
 * indices from one shared counter, whole trees at a time (coarse grain: nothing is shared while a
 * tree grows, so a busy machine slows the work down instead of stalling barriers, and a worker that
 * starts late simply claims fewer trees). Tree t depends only on (seed, t), so the forest is the same
 * whichever thread builds which tree. The binned data is copied once into shared memory. The call is
 * synchronous: between its own trees, and once the counter is exhausted, the caller drains the
 * workers' ports with receiveMessageOnPort (blocking on an Atomics.wait when there is nothing to do).
 */
export function growForestInWorkers(
  data: CartData,
  target: CartTarget,
  params: CartParams,
  bootstrap: boolean,
  seed: number,
  nTrees: number,
  threads: number,
): FlatTree[] {
  const control = new SharedArrayBuffer(8);
  const signal = new Int32Array(control);
  const bins = shared(data.bins);
  const base = {
    bins,
    nRows: data.nRows,
    nBins: data.nBins,
    hasMissing: data.hasMissing,
    thresholds: data.thresholds,
    target:
      target.kind === "classification"
        ? { kind: "classification" as const, classes: shared(target.classes), nClasses: target.nClasses }
        : { kind: "regression" as const, values: shared(target.values) },
    params,
    bootstrap,
    seed,
    nTrees,
    control,
  };
  const script = workerScriptUrl("./forest-worker.js", import.meta.url);
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  try {
    for (let w = 0; w < Math.min(threads, nTrees) - 1; w++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: ForestWorkerData = { ...base, port: port2 };
      const worker = new Worker(script, { workerData, transferList: [port2] });
      // A worker that fails to start claims no tree; its failure is reported through its port if it
      // had claimed one.
      worker.on("error", () => {});
      workers.push(worker);
      ports.push(port1);
    }
    return buildTrees(data, target, params, bootstrap, seed, ports, signal, nTrees);
  } finally {
    for (const port of ports) port.close();
    for (const worker of workers) void worker.terminate();
  }
}

function buildTrees(
  data: CartData,
  target: CartTarget,
  params: CartParams,
  bootstrap: boolean,
  seed: number,
  ports: MessagePort[],
  signal: Int32Array,
  nTrees: number,
): FlatTree[] {
  const trees = new Array<FlatTree | undefined>(nTrees);
  let received = 0;
  const drain = (): boolean => {
    let progressed = false;
    for (const port of ports) {
      for (let packet = receiveMessageOnPort(port); packet; packet = receiveMessageOnPort(port)) {
        progressed = true;
        const message = packet.message as ForestWorkerMessage;
        if (message.type === "error") throw new Error(`Forest worker failed: ${message.message}`);
        if (message.type === "tree") {
          trees[message.index] = message.tree;
          received++;
        }
      }
    }
    return progressed;
  };
  for (;;) {
    const index = Atomics.add(signal, NEXT_TREE, 1);
    if (index >= nTrees) break;
    trees[index] = growForestTree(data, target, params, bootstrap, seed, index);
    received++;
    drain();
  }
  while (received < nTrees) {
    const seen = Atomics.load(signal, POSTED);
    if (drain()) continue;
    Atomics.wait(signal, POSTED, seen, 1000);
  }
  return trees.map((tree, i) => {
    if (!tree) throw new Error(`Forest tree ${i} was never built`);
    return tree;
  });
}
