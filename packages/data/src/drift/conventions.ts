import { EMPTY_BIN_SHARE, STURGES_MIN_REFERENCE_VALUES } from "./binning.js";
import { SMALL_REFERENCE } from "./selection.js";

/**
 * The conventions behind every figure, stated in each drift result (and in ARCHITECTURE.md) so a
 * number can be compared with another tool's: Evidently's, with scipy's definitions.
 */
export const DRIFT_CONVENTIONS = {
  automatic_method: `reference ≤ ${SMALL_REFERENCE} non-missing rows: ks (numerical, > 5 distinct values in reference ∪ current), else chisquare (> 2 values) or z; more rows: wasserstein (numerical, > 5 values), else jensenshannon`,
  default_thresholds: "ks p ≤ 0.05; chisquare, z p < 0.05; wasserstein, jensenshannon, psi, kl ≥ 0.1",
  column_types:
    "inferred on the reference: floats numerical; integers categorical up to 10 distinct values; strings text (not tested) above 50 % distinct, else categorical",
  missing: "null, NaN and ±Infinity are dropped on each side before testing",
  binning: `psi, kl, jensenshannon: numerical columns with > ${STURGES_MIN_REFERENCE_VALUES} distinct reference values in equal-width bins over reference ∪ current, numpy's "sturges" count ⌈log₂(n_ref + n_cur)⌉ + 1; other columns one bin per distinct value`,
  empty_bins: `psi, kl: each side's empty bins get min_nonzero / 1e6 if the smallest non-zero share ≤ ${EMPTY_BIN_SHARE}, else ${EMPTY_BIN_SHARE}; no renormalisation (kl renormalises as scipy.stats.entropy does)`,
  log_base:
    "natural (e) for psi, kl and jensenshannon, as scipy.spatial.distance.jensenshannon with base=None",
  jensenshannon: "the distance √((KL(p‖m) + KL(q‖m)) / 2), in [0, √ln 2]",
  kl: "KL(reference ‖ current)",
  wasserstein: "W₁ divided by the reference's population std (floored at 0.001)",
  new_categories:
    "categories the reference never had are reported per column (new_categories); with the default 'separate' policy chisquare and z test the reference's categories only, jensenshannon, psi and kl keep new categories as mass",
  z: "two-proportion z-test of the first sorted value against the rest",
} as const;
