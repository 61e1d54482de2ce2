import type { DriftColumnInput } from "./columns.js";
import { profileFromSummaries, type ReferenceProfile, summariseColumn } from "./profile.js";
import { type DriftResult, DriftRun, type DriftRunOptions } from "./run.js";
import { SortScratch } from "./sort.js";
import type { ColumnSummary } from "./summary.js";
import type { DriftWorkers } from "./workers.js";

export interface ParallelOptions {
  /** Worker threads for the numeric columns; without them everything runs in the calling thread. */
  workers?: DriftWorkers;
}

function summariser(options: ParallelOptions): (column: DriftColumnInput) => Promise<ColumnSummary> {
  const workers = options.workers;
  if (workers) return (column) => workers.summarise(column);
  // In the calling thread the columns are summarised one after another: one sort scratch serves all.
  const scratch = new SortScratch();
  return async (column) => summariseColumn(column, scratch);
}

/**
 * Summarises a reference once (sorted distinct values and counts per numeric column, counts per
 * category, Evidently's column type) for any number of `compareToReference` calls.
 */
export async function prepareReference(
  columns: readonly DriftColumnInput[],
  options: ParallelOptions = {},
): Promise<ReferenceProfile> {
  const summarise = summariser(options);
  const summaries = await Promise.all(columns.map(summarise));
  return profileFromSummaries(columns, summaries);
}

/**
 * Drift of a current window (typed columns) against a prepared reference: each current column is
 * summarised once, then every statistic comes from the two summaries.
 */
export async function compareToReference(
  reference: ReferenceProfile,
  current: readonly DriftColumnInput[],
  options: DriftRunOptions & ParallelOptions = {},
): Promise<DriftResult> {
  const run = new DriftRun(reference, options);
  const summarise = summariser(options);
  const byName = new Map(current.map((c) => [c.name, c]));
  // Each column is compared as soon as its summary arrives and the summary is then dropped, so at
  // most the summaries in flight are held, never all of them.
  const outcomes = run.names(current).map((name) => {
    const column = byName.get(name);
    if (!column || !run.wants(name)) return Promise.resolve(run.evaluate(name, undefined));
    return summarise(column).then((summary) => run.evaluate(name, summary));
  });
  return run.result(await Promise.all(outcomes));
}

/** Reference and current in one call (the reference is summarised and discarded). */
export async function driftBetween(
  reference: readonly DriftColumnInput[],
  current: readonly DriftColumnInput[],
  options: DriftRunOptions & ParallelOptions = {},
): Promise<DriftResult> {
  return compareToReference(await prepareReference(reference, options), current, options);
}
