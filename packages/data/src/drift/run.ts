import { invalidParameter } from "@gyre/core/errors";
import type { DriftColumnInput, SkippedColumn } from "./columns.js";
import { type ColumnDriftResult, columnDrift, type NewCategoryPolicy } from "./compare.js";
import { DRIFT_CONVENTIONS } from "./conventions.js";
import { checkThreshold, DEFAULT_DRIFT_SHARE, type DriftMethod, METHOD_INFO } from "./methods.js";
import { type ReferenceProfile, summariseColumn } from "./profile.js";
import { SortScratch } from "./sort.js";
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

/** One column's verdict, or why it was not tested. */
export type ColumnOutcome = { column: ColumnDriftResult } | { skipped: SkippedColumn };

/**
 * A drift run over one reference: options checked once, then each column evaluated as soon as its
 * summary exists (so a caller streaming summaries never holds them all), then the dataset verdict.
 */
export class DriftRun {
  readonly driftShare: number;
  readonly policy: NewCategoryPolicy;

  constructor(
    readonly reference: ReferenceProfile,
    readonly options: DriftRunOptions = {},
  ) {
    this.driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE;
    if (!(this.driftShare > 0 && this.driftShare <= 1)) {
      throw invalidParameter(`driftShare: ${this.driftShare} must be a share in (0, 1]`);
    }
    checkOverrides(reference, options);
    this.policy = options.newCategories ?? "separate";
  }

  /** The columns to test, in report order: the selection, else the current's columns. */
  names(current: readonly { name: string }[]): string[] {
    return [...(this.options.columns ?? current.map((c) => c.name))];
  }

  /** Whether the column gets compared (so its current values are worth summarising). */
  wants(name: string): boolean {
    return (
      (this.options.columns === undefined || this.options.columns.includes(name)) &&
      this.reference.byName.has(name)
    );
  }

  /** One column; `summary` undefined when the current data has no such column. */
  evaluate(name: string, summary: ColumnSummary | undefined): ColumnOutcome {
    const ref = this.reference.byName.get(name);
    if (!ref) return { skipped: { name, reason: "absent from the reference" } };
    if (!summary) return { skipped: { name, reason: "absent from the current data" } };
    const outcome = columnDrift(ref, summary, {
      method: this.options.methods?.[name],
      threshold: this.options.thresholds?.[name],
      newCategories: this.policy,
    });
    return typeof outcome === "string" ? { skipped: { name, reason: outcome } } : { column: outcome };
  }

  result(outcomes: readonly ColumnOutcome[]): DriftResult {
    const columns = outcomes.flatMap((o) => ("column" in o ? [o.column] : []));
    const skipped = outcomes.flatMap((o) => ("skipped" in o ? [o.skipped] : []));
    const drifted = columns.filter((c) => c.drifted).length;
    const share = columns.length === 0 ? 0 : drifted / columns.length;
    return {
      columns,
      skipped,
      drift_share: this.driftShare,
      tested_columns: columns.length,
      drifted_columns: drifted,
      drifted_share: share,
      dataset_drift: columns.length > 0 && share >= this.driftShare,
      new_categories_policy: this.policy,
      conventions: DRIFT_CONVENTIONS,
    };
  }
}

/**
 * Compares current summaries (computed by `summariseColumn`, here or elsewhere, e.g. from a
 * stored window) with the reference. Overrides naming a column the reference lacks are errors.
 */
export function compareSummaries(
  reference: ReferenceProfile,
  current: readonly { name: string; summary: ColumnSummary }[],
  options: DriftRunOptions = {},
): DriftResult {
  const run = new DriftRun(reference, options);
  const byName = new Map(current.map((c) => [c.name, c.summary]));
  return run.result(run.names(current).map((name) => run.evaluate(name, byName.get(name))));
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
  const run = new DriftRun(reference, options);
  const scratch = new SortScratch();
  const byName = new Map(current.map((c) => [c.name, c]));
  return run.result(
    run.names(current).map((name) => {
      const column = byName.get(name);
      return run.evaluate(name, column && run.wants(name) ? summariseColumn(column, scratch) : undefined);
    }),
  );
}
