import { SeededRandom, shuffleInPlace } from "../random.js";

/**
 * Seeded hold-out for early stopping: `fraction` of the rows (at least one) go to validation,
 * per class when `classes` is given (stratified, as scikit-learn does for classifiers).
 * Both parts come back in ascending row order.
 */
export function validationSplit(
  n: number,
  fraction: number,
  seed: number,
  classes: Int32Array | null,
): { train: Uint32Array; validation: Uint32Array } {
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`validationFraction must be in (0, 1), got ${fraction}`);
  const random = new SeededRandom(seed);
  const isValidation = new Uint8Array(n);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = classes ? classes[i]! : 0;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const members = Uint32Array.from(groups.get(key)!);
    shuffleInPlace(members, random);
    const take = Math.min(members.length - 1, Math.round(fraction * members.length));
    for (let j = 0; j < take; j++) isValidation[members[j]!] = 1;
  }
  let nValidation = 0;
  for (let i = 0; i < n; i++) nValidation += isValidation[i]!;
  if (nValidation === 0) throw new Error("The validation split is empty: too few rows for early stopping");
  const train = new Uint32Array(n - nValidation);
  const validation = new Uint32Array(nValidation);
  for (let i = 0, t = 0, v = 0; i < n; i++) {
    if (isValidation[i] === 1) validation[v++] = i;
    else train[t++] = i;
  }
  return { train, validation };
}
