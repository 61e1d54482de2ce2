import type { CartData, CartParams, CartTarget } from "../cart/cart-grower.js";
import { growCartTree } from "../cart/cart-grower.js";
import type { FlatTree } from "../flat-tree.js";
import { deriveSeed, SeededRandom } from "../random.js";

/**
 * One forest tree: a bootstrap sample drawn as integer weights (n draws with replacement, counted per
 * row, as scikit-learn's `_generate_sample_indices` + bincount), then CART with per-split feature
 * sampling on the rows drawn at least once. Tree t's random numbers depend only on (seed, t), so a
 * forest is the same whichever thread builds which tree.
 */
export function growForestTree(
  data: CartData,
  target: CartTarget,
  params: CartParams,
  bootstrap: boolean,
  seed: number,
  treeIndex: number,
): FlatTree {
  const random = new SeededRandom(deriveSeed(seed, treeIndex));
  const n = data.nRows;
  const weights = new Float64Array(n);
  if (bootstrap) {
    for (let i = 0; i < n; i++) weights[random.nextInt(n)]!++;
  } else {
    weights.fill(1);
  }
  let drawn = 0;
  for (let i = 0; i < n; i++) if (weights[i]! > 0) drawn++;
  const rows = new Uint32Array(drawn);
  drawn = 0;
  for (let i = 0; i < n; i++) if (weights[i]! > 0) rows[drawn++] = i;
  return growCartTree(data, target, rows, weights, params, random);
}
