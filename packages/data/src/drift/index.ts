/**
 * The drift surface of @gyre/data: the in-memory path over typed columns (prepare a reference
 * once, compare windows against it), the DuckDB reader that produces those columns, the methods
 * and their conventions, and the DuckDB path behind the datasets' `no_drift` expectation.
 */
export { compareToReference, driftBetween, type ParallelOptions, prepareReference } from "./api.js";
export { fillEmptyBins, histogramCounts, linspace, sturgesEdges } from "./binning.js";
export type { NewCategories } from "./categories.js";
export type {
  CategoricalColumnInput,
  DeclaredColumnType,
  DriftColumnInput,
  NumericColumnInput,
  SkippedColumn,
} from "./columns.js";
export type { Binning, ColumnDriftResult, Distribution, NewCategoryPolicy } from "./compare.js";
export { DRIFT_CONVENTIONS } from "./conventions.js";
export { DEFAULT_DRIFT_SHARE, type DriftOptions, detectDrift } from "./drift.js";
export {
  checkThreshold,
  DRIFT_METHODS,
  type DriftMethod,
  isDriftMethod,
  METHOD_INFO,
  parseDriftMethod,
  scoreDrifts,
} from "./methods.js";
export {
  prepareReferenceSync,
  type ReferenceColumn,
  type ReferenceProfile,
  summariseColumn,
} from "./profile.js";
export { type DriftColumns, readDriftColumns } from "./read.js";
export { compareSummaries, compareToReferenceSync, type DriftResult, type DriftRunOptions } from "./run.js";
export type { CategoricalSummary, ColumnSummary, NumericSummary } from "./summary.js";
export { DriftWorkers } from "./workers.js";
