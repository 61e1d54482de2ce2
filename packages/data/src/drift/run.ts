import { invalidParameter } from "@gyre/core";
import type { DriftColumnInput, SkippedColumn } from "./columns.js";
import { type ColumnDriftResult, columnDrift, type NewCategoryPolicy } from "./compare.js";
import { DRIFT_CONVENTIONS } from "./conventions.js";
import { DEFAULT_DRIFT_SHARE } from "./drift.js";
import { checkThreshold, type DriftMethod, METHOD_INFO } from "./methods.js";
import { type ReferenceProfile, summariseColumn } from "./profile.js";
import type { ColumnSummary } from "./summary.js";

export interface DriftRunOptions {
  /** Columns to test; default every current column the reference also has. */
  columns?: readonly string[];
  /** Per-column method overrides (`{ age: "psi" }`); others get the automatic rule. */
  methods?: Readonly<Record<string, DriftMethod>>;
  /** Per-column thresholds; others get their method's default. */
  thresholds?: Readonly<Record<string, number>>;
  /** Dataset drift when drifted / tested columns ≥ this share (default 0.5). */
  driftShare?: number;
  /** How categories absent from the reference are treated (default "separate"). */
  newCategories?: NewCategoryPolicy;
}

/** Drift of a current window against a prepared reference, per column and for the dataset. */
export interface DriftResult {
  columns: ColumnDriftResult[];
  skipped: SkippedColumn[];
  drift_share: number;
  tested_columns: number;
  drifted_columns: number;
  /** drifted / tested (0 when nothing was tested). */
  drifted_share: number;
  /** drifted_share ≥ drift_share, with at least one column tested. */
  dataset_drift: boolean;
  new_categories_policy: NewCategoryPolicy;
  /** Binning, empty-bin epsilon, log base and thresholds, stated with every result. */
  conventions: typeof DRIFT_CONVENTIONS;
}

/**
 * Compares current summaries (one per current column, computed by `summariseColumn` here or in
 * worker threads) with the reference. Overrides naming a column the reference lacks are errors.
 */
export function compareSummaries(
  reference: ReferenceProfile,
  current: readonly { name: string; summary?: ColumnSummary }[],
  options: DriftRunOptions = {},
): DriftResult {
  const driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  if (!(driftShare > 0 && driftShare <= 1)) {
    throw invalidParameter(`driftShare: ${driftShare} must be a share in (0, 1]`);
  }
  checkOverrides(reference, options);
  const policy = options.newCategories ?? "separate";
  const byName = new Map(current.map((c) => [c.name, c]));
  const names = options.columns ?? current.map((c) => c.name);
  const columns: ColumnDriftResult[] = [];
  const skipped: SkippedColumn[] = [];
  for (const name of names) {
    const ref = reference.byName.get(name);
    const summary = byName.get(name)?.summary;
    if (!ref) {
      skipped.push({ name, reason: "absent from the reference" });
      continue;
    }
    if (!summary) {
      skipped.push({ name, reason: byName.has(name) ? "not summarised" : "absent from the current data" });
      continue;
    }
    const outcome = columnDrift(ref, summary, {
      method: options.methods?.[name],
      threshold: options.thresholds?.[name],
      newCategories: policy,
    });
    if (typeof outcome === "string") skipped.push({ name, reason: outcome });
    else columns.push(outcome);
  }
  const drifted = columns.filter((c) => c.drifted).length;
  const share = columns.length === 0 ? 0 : drifted / columns.length;
  return {
    columns,
    skipped,
    drift_share: driftShare,
    tested_columns: columns.length,
    drifted_columns: drifted,
    drifted_share: share,
    dataset_drift: columns.length > 0 && share >= driftShare,
    new_categories_policy: policy,
    conventions: DRIFT_CONVENTIONS,
  };
}

/** Overrides must name reference columns and carry a valid threshold for the method used. */
function checkOverrides(reference: ReferenceProfile, options: DriftRunOptions): void {
  for (const [field, map] of [
    ["methods", options.methods],
    ["thresholds", options.thresholds],
  ] as const) {
    for (const name of Object.keys(map ?? {})) {
      if (!reference.byName.has(name)) {
        throw invalidParameter(`${field}: no column "${name}" in the reference`);
      }
    }
  }
  for (const [name, threshold] of Object.entries(options.thresholds ?? {})) {
    const method = options.methods?.[name];
    // Without a method override the threshold is checked against the method chosen later; a
    // value in (0, 1) suits both kinds, so only the general rule (> 0) applies here.
    if (method) checkThreshold(method, threshold, `thresholds.${name}`);
    else if (!(Number.isFinite(threshold) && threshold > 0)) {
      throw invalidParameter(`thresholds.${name}: threshold ${threshold} must be a number > 0`);
    }
  }
  for (const [name, method] of Object.entries(options.methods ?? {})) {
    if (!(method in METHOD_INFO)) throw invalidParameter(`methods.${name}: unknown drift method '${method}'`);
  }
}

/** Drift of typed current columns against a prepared reference, in the calling thread. */
export function compareToReferenceSync(
  reference: ReferenceProfile,
  current: readonly DriftColumnInput[],
  options: DriftRunOptions = {},
): DriftResult {
  return compareSummaries(reference, summariseWanted(reference, current, options, summariseColumn), options);
}

/**
 * The current columns with a summary for each one that will be compared (selected and present in
 * the reference); the others keep only their name, to be reported as skipped.
 */
export function summariseWanted<T extends ColumnSummary | Promise<ColumnSummary>>(
  reference: ReferenceProfile,
  current: readonly DriftColumnInput[],
  options: DriftRunOptions,
  summarise: (column: DriftColumnInput) => T,
): { name: string; summary?: T }[] {
  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  return current.map((c) =>
    (wanted === undefined || wanted.has(c.name)) && reference.byName.has(c.name)
      ? { name: c.name, summary: summarise(c) }
      : { name: c.name },
  );
}
