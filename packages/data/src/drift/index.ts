/**
 * The drift surface of @gyre/data: the in-memory path (also `@gyre/data/drift`, see in-memory.ts),
 * the DuckDB reader that turns files into its typed columns, and the DuckDB path behind the
 * datasets' `no_drift` expectation.
 */
export { type DriftOptions, detectDrift } from "./drift.js";
export * from "./in-memory.js";
export { type DriftColumns, type DriftFilesPhase, readDriftColumns, readDriftFiles } from "./read.js";
