import type { MessagePort } from "node:worker_threads";
import type { BoostingData } from "./boosting-data.js";
import type { BoostingLoss } from "./losses.js";

/**
 * The calling thread and one helper share a node's work in halves (node-halves.ts). One task at a
 * time: the caller writes its parameters, sets STATE to POSTED and wakes the helper; whoever moves
 * STATE from POSTED first (the helper to TAKEN, or the caller, once its own half is done, back to
 * IDLE) does the second half. So a helper descheduled by a busy machine never holds the caller up.
 */
export const STATE = 0;
export const KIND = 1;
export const STOP = 2;
/** Task parameters (split: from, start, end, nLeft, feature, smallIsLeft, buildHistogram). */
export const PARAMS = 3;
export const RESULT = 10;
export const CONTROL_SLOTS = 11;

export const IDLE = 0;
export const POSTED = 1;
export const TAKEN = 2;
export const DONE = 3;
export const FAILED = 4;

export const GRADIENTS = 1;
export const ROOT = 2;
export const SPLIT = 3;

export interface HalvesWorkerData extends Omit<BoostingData, "bins" | "packed"> {
  readonly bins: SharedArrayBuffer;
  readonly packed: SharedArrayBuffer;
  readonly constantHessian: boolean;
  readonly loss: BoostingLoss["name"];
  readonly rows: readonly [SharedArrayBuffer, SharedArrayBuffer];
  readonly goesLeft: SharedArrayBuffer;
  readonly gradientHessian: SharedArrayBuffer;
  readonly raw: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  /** The second half's histogram and [Σg, Σh] of the root's second half (slots 2, 3). */
  readonly partial: SharedArrayBuffer;
  readonly sums: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  /** Error reports. */
  readonly port: MessagePort;
}
