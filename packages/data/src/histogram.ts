import { doubleLiteral } from "./sql.js";

/** Equal-width bins of the profile, as numpy.histogram's default. */
export const PROFILE_BINS = 10;

/**
 * numpy's bin edges for `bins` equal-width bins over [min, max]: a constant column gets the range
 * [v − 0.5, v + 0.5], and edge i is `first + i·step` with the last edge exactly `last`
 * (numpy.linspace), so bucket membership below agrees with numpy.histogram value for value.
 */
export function binEdges(min: number, max: number, bins: number): number[] {
  const [first, last] = min === max ? [min - 0.5, max + 0.5] : [min, max];
  const step = (last - first) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + first);
  edges[bins] = last;
  return edges;
}

/**
 * The bin index of `value` (a DOUBLE expression): bin i holds edges[i] ≤ x < edges[i+1], the last
 * bin also holds its right edge, values outside every bin are NULL (numpy drops them).
 */
export function bucketExpression(value: string, edges: readonly number[]): string {
  const bins = edges.length - 1;
  const first = edges[0]!;
  const last = edges[bins]!;
  const arms: string[] = [];
  for (let i = bins - 1; i >= 1; i--) arms.push(`WHEN ${value} >= ${doubleLiteral(edges[i]!)} THEN ${i}`);
  return `(CASE WHEN ${value} IS NULL OR ${value} < ${doubleLiteral(first)} OR ${value} > ${doubleLiteral(last)} THEN NULL ${arms.join(" ")} ELSE 0 END)`;
}

/** DuckDB's histogram() MAP, read back as counts per bin. */
export function countsFromMap(map: unknown, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const [key, count] of mapEntries(map)) {
    const index = Number(key);
    if (index >= 0 && index < bins) counts[index] = Number(count);
  }
  return counts;
}

/** The Node API gives a MAP as `{entries: [{key, value}]}` or as an array of such pairs. */
export function mapEntries(map: unknown): [unknown, unknown][] {
  if (map === null || map === undefined) return [];
  const entries = Array.isArray(map) ? map : (map as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) return [];
  return entries.map((e) => {
    const pair = e as { key: unknown; value: unknown };
    return [pair.key, pair.value];
  });
}
