import type { FlatTree } from "../flat-tree.js";
import type { BoostingData } from "./boosting-data.js";
import { BoostingGrower, type GrowerParams } from "./boosting-grower.js";
import type { BoostingLoss } from "./losses.js";
import { sharedFloats, ThreadedHalves } from "./threaded-halves.js";

/**
 * Builds one boosting iteration's trees (one per output) from that iteration's gradients, adding
 * each tree's shrunk leaf values to the raw predictions of its output. Arrays are column-major per
 * output: raw[k * n + i], with gradients and hessians interleaved, gh[2 * (k * n + i)] and the next.
 */
export interface IterationTrees {
  /** A float buffer the builder can read from every thread it uses. */
  allocate(length: number): Float64Array;
  /** The iteration's gradients and hessians (gh) from the targets and raw predictions. */
  gradients(loss: BoostingLoss, y: Float64Array, raw: Float64Array, gh: Float64Array): void;
  build(gradientHessian: Float64Array, raw: Float64Array): FlatTree[];
  close(): void;
}

/** All trees on the calling thread, with one grower (and its buffers) shared by every tree. */
export class SerialIterationTrees implements IterationTrees {
  private readonly grower: BoostingGrower;

  constructor(
    private readonly data: BoostingData,
    params: GrowerParams,
    private readonly nOutputs: number,
    constantHessian: boolean,
  ) {
    this.grower = new BoostingGrower(data, params, constantHessian);
  }

  allocate(length: number): Float64Array {
    return new Float64Array(length);
  }

  gradients(loss: BoostingLoss, y: Float64Array, raw: Float64Array, gh: Float64Array): void {
    loss.gradients(y, raw, gh);
  }

  build(gradientHessian: Float64Array, raw: Float64Array): FlatTree[] {
    const n = this.data.nRows;
    const trees: FlatTree[] = [];
    for (let k = 0; k < this.nOutputs; k++) trees.push(this.grower.grow(gradientHessian, raw, k * n));
    return trees;
  }

  close(): void {}
}

/**
 * Single-output boosting (binary, regression) on two threads: one tree per iteration, whose
 * row-proportional work (gradients, root histogram, and partition plus smaller-child histogram of
 * every large node) the calling thread and one worker share in halves (see node-halves.ts). The model
 * is the same as on one thread.
 */
export class RowParallelIterationTrees implements IterationTrees {
  private grower: BoostingGrower | null = null;
  private halves: ThreadedHalves | null = null;

  constructor(
    private readonly data: BoostingData,
    private readonly params: GrowerParams,
    private readonly constantHessian: boolean,
  ) {}

  allocate(length: number): Float64Array {
    return sharedFloats(length);
  }

  gradients(loss: BoostingLoss, y: Float64Array, raw: Float64Array, gh: Float64Array): void {
    if (!this.halves) {
      const sharedY = sharedFloats(y.length);
      sharedY.set(y);
      this.halves = new ThreadedHalves(this.data, this.constantHessian, loss, gh, raw, sharedY);
      this.grower = new BoostingGrower(this.data, this.params, this.constantHessian, this.halves);
    }
    this.halves.gradients(loss, y, raw, gh);
  }

  build(gradientHessian: Float64Array, raw: Float64Array): FlatTree[] {
    if (!this.grower) throw new Error("gradients() must come before build()");
    return [this.grower.grow(gradientHessian, raw, 0)];
  }

  close(): void {
    this.halves?.close();
  }
}
