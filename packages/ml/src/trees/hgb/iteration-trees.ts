import type { FlatTree } from "../flat-tree.js";
import type { BoostingData } from "./boosting-data.js";
import { BoostingGrower, type GrowerParams } from "./boosting-grower.js";

/**
 * Builds one boosting iteration's trees (one per output) from that iteration's gradients, adding
 * each tree's shrunk leaf values to the raw predictions of its output. Arrays are column-major per
 * output: raw[k * n + i], with gradients and hessians interleaved, gh[2 * (k * n + i)] and the next.
 */
export interface IterationTrees {
  /** A float buffer the builder can read from every thread it uses. */
  allocate(length: number): Float64Array;
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

  build(gradientHessian: Float64Array, raw: Float64Array): FlatTree[] {
    const n = this.data.nRows;
    const trees: FlatTree[] = [];
    for (let k = 0; k < this.nOutputs; k++) trees.push(this.grower.grow(gradientHessian, raw, k * n));
    return trees;
  }

  close(): void {}
}
