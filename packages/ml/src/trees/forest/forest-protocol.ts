import type { MessagePort } from "node:worker_threads";
import type { CartParams } from "../cart/cart-grower.js";
import type { FlatTree } from "../flat-tree.js";

/** What a forest worker receives: the binned data and target in shared memory, plus the tree recipe. */
export interface ForestWorkerData {
  readonly bins: SharedArrayBuffer;
  readonly nRows: number;
  readonly nBins: Int32Array;
  readonly hasMissing: Uint8Array;
  readonly thresholds: readonly Float64Array[];
  readonly target:
    | { readonly kind: "classification"; readonly classes: SharedArrayBuffer; readonly nClasses: number }
    | { readonly kind: "regression"; readonly values: SharedArrayBuffer };
  readonly params: CartParams;
  readonly bootstrap: boolean;
  readonly seed: number;
  readonly nTrees: number;
  /** Int32 slots: [next tree to build, messages posted]. */
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
}

export const NEXT_TREE = 0;
export const POSTED = 1;

export type ForestWorkerMessage =
  | { readonly type: "tree"; readonly index: number; readonly tree: FlatTree }
  | { readonly type: "error"; readonly message: string };
