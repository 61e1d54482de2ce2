import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { CartData, CartParams, CartTarget } from "../cart/cart-grower.js";
import type { FlatTree } from "../flat-tree.js";
import { workerScriptUrl } from "../worker-script.js";
import { type ForestWorkerData, type ForestWorkerMessage, POSTED } from "./forest-protocol.js";

/** A worker that has not said "ready" by then failed to start (e.g. the package is not built). */
const STARTUP_TIMEOUT_MS = 60_000;

function shared(bytes: ArrayBufferView): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return buffer;
}

/**
 * Builds a forest's trees on `threads` worker threads, whole trees at a time (coarse grain: nothing is
 * shared while a tree grows, so a busy machine slows the work down instead of stalling barriers).
 * The binned data is copied once into shared memory. The call is synchronous: the caller blocks on an
 * Atomics.wait and drains the workers' ports with receiveMessageOnPort.
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
  const base = {
    bins: shared(data.bins),
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
    for (let w = 0; w < Math.min(threads, nTrees); w++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: ForestWorkerData = { ...base, port: port2 };
      workers.push(new Worker(script, { workerData, transferList: [port2] }));
      ports.push(port1);
    }
    return collectTrees(ports, signal, nTrees);
  } finally {
    for (const port of ports) port.close();
    for (const worker of workers) void worker.terminate();
  }
}

function collectTrees(ports: MessagePort[], signal: Int32Array, nTrees: number): FlatTree[] {
  const trees = new Array<FlatTree | undefined>(nTrees);
  let received = 0;
  let ready = 0;
  let finished = 0;
  const started = Date.now();
  while (received < nTrees || finished < ports.length) {
    const seen = Atomics.load(signal, POSTED);
    let progressed = false;
    for (const port of ports) {
      for (let packet = receiveMessageOnPort(port); packet; packet = receiveMessageOnPort(port)) {
        progressed = true;
        const message = packet.message as ForestWorkerMessage;
        if (message.type === "error") throw new Error(`Forest worker failed: ${message.message}`);
        if (message.type === "ready") ready++;
        else if (message.type === "done") finished++;
        else {
          trees[message.index] = message.tree;
          received++;
        }
      }
    }
    if (progressed) continue;
    if (ready < ports.length && Date.now() - started > STARTUP_TIMEOUT_MS) {
      throw new Error("Forest workers did not start; is @gyre/ml built?");
    }
    Atomics.wait(signal, POSTED, seen, 1000);
  }
  return trees.map((tree, i) => {
    if (!tree) throw new Error(`Forest tree ${i} was never built`);
    return tree;
  });
}
