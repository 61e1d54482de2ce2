import type { DriftTest } from "@gyre/core";
import type { TypeFamily } from "../schema.js";

export type DriftColumnType = "numerical" | "categorical" | "text" | "datetime" | "unsupported";

/**
 * Evidently's column type inference (`infer_column_type`), applied to the reference: floats are
 * numerical; integers categorical up to 10 distinct values, else numerical; strings text when
 * more than half their non-missing values are distinct, else categorical; booleans categorical.
 */
export function driftColumnType(family: TypeFamily, distinct: number, present: number): DriftColumnType {
  switch (family) {
    case "float":
      return "numerical";
    case "integer":
      return distinct <= 10 ? "categorical" : "numerical";
    case "string":
      return distinct > 0.5 * present ? "text" : "categorical";
    case "boolean":
      return "categorical";
    case "date":
    case "timestamp":
    case "time":
      return "datetime";
    default:
      return "unsupported";
  }
}

export interface SelectedTest {
  test: DriftTest;
  threshold: number;
  /** Whether the score drifts at the threshold: p-values fall below it, distances reach it. */
  drifted(score: number): boolean;
}

/** Evidently's small-sample bound: up to this many reference rows the tests are hypothesis tests. */
export const SMALL_REFERENCE = 1000;

const KS: SelectedTest = { test: "ks", threshold: 0.05, drifted: (p) => p <= 0.05 };
const CHI: SelectedTest = { test: "chisquare", threshold: 0.05, drifted: (p) => p < 0.05 };
const Z: SelectedTest = { test: "z", threshold: 0.05, drifted: (p) => p < 0.05 };
const WASSERSTEIN: SelectedTest = { test: "wasserstein", threshold: 0.1, drifted: (d) => d >= 0.1 };
const JS: SelectedTest = { test: "jensenshannon", threshold: 0.1, drifted: (d) => d >= 0.1 };

/**
 * Evidently's default test (`_get_default_stattest`): with ≤ 1000 reference values, KS for
 * numerical columns of > 5 distinct values, else χ² (> 2 values) or the z-test; with more,
 * normed Wasserstein for numerical columns of > 5 values, else Jensen–Shannon. `distinct` counts
 * reference and current together, `referenceRows` the reference's non-missing values.
 */
export function selectDriftTest(
  type: "numerical" | "categorical",
  referenceRows: number,
  distinct: number,
): SelectedTest {
  const manyValues = type === "numerical" && distinct > 5;
  if (referenceRows <= SMALL_REFERENCE) {
    if (manyValues) return KS;
    return distinct > 2 ? CHI : Z;
  }
  return manyValues ? WASSERSTEIN : JS;
}

/** Whether the automatic method for a reference of this many values reports a p-value or a distance. */
export function automaticMethodKind(referenceRows: number): "p_value" | "distance" {
  return referenceRows <= SMALL_REFERENCE ? "p_value" : "distance";
}
