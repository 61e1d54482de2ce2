import type { MessagePort } from "node:worker_threads";
import type { FlatTree } from "../flat-tree.js";
import type { BoostingData } from "./boosting-data.js";
import type { GrowerParams } from "./boosting-grower.js";

/** What a boosting worker receives: the binned data and the per-iteration arrays in shared memory. */
export interface BoostingWorkerData extends Omit<BoostingData, "bins" | "packed"> {
  readonly bins: SharedArrayBuffer;
  readonly packed: SharedArrayBuffer;
  readonly params: GrowerParams;
  readonly constantHessian: boolean;
  readonly gradientHessian: SharedArrayBuffer;
  readonly raw: SharedArrayBuffer;
  /** The outputs (classes) this worker grows trees for, every iteration. */
  readonly outputs: Int32Array;
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** Int32 slots of the control block. */
export const GENERATION = 0;
export const DONE = 1;
export const STOP = 2;
export const READY = 3;
export const CONTROL_SLOTS = 4;

export type BoostingWorkerMessage =
  | { readonly type: "tree"; readonly output: number; readonly tree: FlatTree }
  | { readonly type: "error"; readonly message: string };
