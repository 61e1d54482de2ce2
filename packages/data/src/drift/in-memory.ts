/**
 * `@gyre/data/drift`: the in-memory drift path alone — typed columns in, drift results out —
 * without DuckDB or the zod contracts, so a server's monitoring loop or a benchmark loads only
 * this. Prepare a reference once (`prepareReference`), compare each window with it
 * (`compareToReference`), optionally on `DriftWorkers` threads; `renderReportHtml` turns a report
 * into a self-contained page.
 */

export * from "../report/index.js";
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
export {
  checkThreshold,
  DEFAULT_DRIFT_SHARE,
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
export { decodeReferenceProfile, encodeReferenceProfile } from "./profile-codec.js";
export { compareSummaries, compareToReferenceSync, type DriftResult, type DriftRunOptions } from "./run.js";
export { automaticMethodKind } from "./selection.js";
export type { CategoricalSummary, ColumnSummary, NumericSummary } from "./summary.js";
export { DriftWorkers } from "./workers.js";
