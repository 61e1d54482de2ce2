/** Argument checks shared by the metric functions. */

export function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} true values but ${b.length} predictions`);
  if (a.length === 0) throw new Error(`${what}: no rows`);
}

/** Rows × columns of a row-major probability matrix for `n` rows. */
export function columnsOf(proba: Float64Array, n: number, what: string): number {
  const k = proba.length / n;
  if (!Number.isInteger(k) || n === 0)
    throw new Error(`${what}: ${proba.length} probabilities do not fit ${n} rows`);
  return k;
}
