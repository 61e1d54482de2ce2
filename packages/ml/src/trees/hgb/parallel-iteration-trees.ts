import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { FlatTree } from "../flat-tree.js";
import { workerScriptUrl } from "../worker-script.js";
import { type BoostingData, sharedBoostingData } from "./boosting-data.js";
import { BoostingGrower, type GrowerParams } from "./boosting-grower.js";
import {
  type BoostingWorkerData,
  type BoostingWorkerMessage,
  CONTROL_SLOTS,
  DONE,
  GENERATION,
  READY,
  STOP,
} from "./boosting-protocol.js";
import type { IterationTrees } from "./iteration-trees.js";
import type { BoostingLoss } from "./losses.js";

/** Workers that have not said they are ready by then failed to start (e.g. the package is not built). */
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Multiclass boosting on several threads, at the grain of whole trees: the K trees of an iteration
 * depend only on that iteration's gradients, so output k's tree is grown on thread k mod T (the
 * calling thread is thread 0). Binned data, gradients, hessians and raw predictions live in shared
 * memory; each thread writes only its own outputs' raw predictions. One barrier per iteration. Every
 * tree is grown exactly as on one thread, so the model does not depend on the thread count.
 */
export class ParallelIterationTrees implements IterationTrees {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly grower: BoostingGrower;
  private readonly ownOutputs: number[] = [];
  private started = false;

  constructor(
    private readonly data: BoostingData,
    private readonly params: GrowerParams,
    private readonly nOutputs: number,
    private readonly constantHessian: boolean,
    private readonly threads: number,
  ) {
    this.data = sharedBoostingData(data);
    this.grower = new BoostingGrower(this.data, params, constantHessian);
    for (let k = 0; k < nOutputs; k += threads) this.ownOutputs.push(k);
  }

  /** Float buffers in shared memory: the gradients and hessians and the raw predictions passed to build(). */
  allocate(length: number): Float64Array {
    return new Float64Array(new SharedArrayBuffer(8 * length));
  }

  gradients(loss: BoostingLoss, y: Float64Array, raw: Float64Array, gh: Float64Array): void {
    loss.gradients(y, raw, gh);
  }

  build(gradientHessian: Float64Array, raw: Float64Array): FlatTree[] {
    if (!this.started) this.start(gradientHessian, raw);
    const { control } = this;
    Atomics.store(control, DONE, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    const trees = new Array<FlatTree | undefined>(this.nOutputs);
    const n = this.data.nRows;
    for (const k of this.ownOutputs) {
      trees[k] = this.grower.grow(gradientHessian, raw, k * n);
    }
    this.awaitWorkers(trees);
    return trees.map((tree, k) => {
      if (!tree) throw new Error(`Boosting worker returned no tree for output ${k}`);
      return tree;
    });
  }

  close(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const port of this.ports) port.close();
    for (const worker of this.workers) void worker.terminate();
  }

  private start(gradientHessian: Float64Array, raw: Float64Array): void {
    this.started = true;
    const script = workerScriptUrl("./boosting-worker.js", import.meta.url);
    const bufferOf = (a: Float64Array) => {
      if (!(a.buffer instanceof SharedArrayBuffer))
        throw new Error("Boosting arrays must come from allocate()");
      return a.buffer;
    };
    for (let t = 1; t < Math.min(this.threads, this.nOutputs); t++) {
      const outputs: number[] = [];
      for (let k = t; k < this.nOutputs; k += this.threads) outputs.push(k);
      const { port1, port2 } = new MessageChannel();
      const workerData: BoostingWorkerData = {
        ...this.data,
        bins: this.data.bins.buffer as SharedArrayBuffer,
        packed: this.data.packed.buffer as SharedArrayBuffer,
        params: this.params,
        constantHessian: this.constantHessian,
        gradientHessian: bufferOf(gradientHessian),
        raw: bufferOf(raw),
        outputs: Int32Array.from(outputs),
        control: this.control.buffer as SharedArrayBuffer,
        port: port2,
      };
      this.workers.push(new Worker(script, { workerData, transferList: [port2] }));
      this.ports.push(port1);
    }
  }

  private awaitWorkers(trees: (FlatTree | undefined)[]): void {
    const { control } = this;
    const started = Date.now();
    for (;;) {
      this.drain(trees);
      const done = Atomics.load(control, DONE);
      if (done >= this.workers.length) break;
      if (Atomics.load(control, READY) < this.workers.length && Date.now() - started > STARTUP_TIMEOUT_MS) {
        throw new Error("Boosting workers did not start; is @gyre/ml built?");
      }
      Atomics.wait(control, DONE, done, 1000);
    }
    this.drain(trees);
  }

  private drain(trees: (FlatTree | undefined)[]): void {
    for (const port of this.ports) {
      for (let packet = receiveMessageOnPort(port); packet; packet = receiveMessageOnPort(port)) {
        const message = packet.message as BoostingWorkerMessage;
        if (message.type === "error") throw new Error(`Boosting worker failed: ${message.message}`);
        trees[message.output] = message.tree;
      }
    }
  }
}
