/**
 * The transformer contract: an unfitted transformer holds options, `fit` learns from training rows
 * only and returns an immutable fitted transformer that can transform any frame and save itself.
 */
import type { Frame } from "../frame/frame.js";
import type { KindedJson } from "../pipeline/json.js";

export interface Transformer {
  readonly kind: string;
  fit(frame: Frame): FittedTransformer;
}

export interface FittedTransformer {
  readonly kind: string;
  transform(frame: Frame): Frame;
  toJSON(): KindedJson;
}

export type ColumnKindFilter = "numeric" | "categorical" | "any";

/** The requested columns (checked to exist and be of the right kind), or every column of that kind. */
export function resolveColumns(
  frame: Frame,
  requested: readonly string[] | undefined,
  kind: ColumnKindFilter,
  owner: string,
): string[] {
  if (!requested) return frame.columns.filter((c) => kind === "any" || c.kind === kind).map((c) => c.name);
  for (const name of requested) {
    const c = frame.columns.find((col) => col.name === name);
    if (!c) throw new Error(`${owner}: no column '${name}' in the frame`);
    if (kind !== "any" && c.kind !== kind)
      throw new Error(`${owner}: column '${name}' is ${c.kind}, expected ${kind}`);
  }
  return [...requested];
}
