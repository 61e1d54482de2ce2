import { invalidParameter } from "@gyre/core/errors";

/**
 * The drift methods by the names the CLI, the API and the reports use. `ks`, `chisquare` and `z`
 * are hypothesis tests (the score is a p-value: drift when it falls below the threshold);
 * `wasserstein`, `jensenshannon`, `psi` and `kl` are distances (drift when they reach it).
 */
export const DRIFT_METHODS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "kl"] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Evidently's dataset rule: the data set drifts when this share of tested columns drifts. */
export const DEFAULT_DRIFT_SHARE = 0.5;

export type MethodKind = "p_value" | "distance";

export interface MethodInfo {
  readonly kind: MethodKind;
  /** Evidently's default threshold for the method (`default_threshold` of its stattest). */
  readonly threshold: number;
  /** Whether a p-value equal to the threshold drifts (Evidently: KS `p ≤ t`, χ² and z `p < t`). */
  readonly inclusive: boolean;
  /** Only for numerical columns (ECDF methods); the others also take categories. */
  readonly numericalOnly: boolean;
}

export const METHOD_INFO: Readonly<Record<DriftMethod, MethodInfo>> = {
  ks: { kind: "p_value", threshold: 0.05, inclusive: true, numericalOnly: true },
  chisquare: { kind: "p_value", threshold: 0.05, inclusive: false, numericalOnly: false },
  z: { kind: "p_value", threshold: 0.05, inclusive: false, numericalOnly: false },
  wasserstein: { kind: "distance", threshold: 0.1, inclusive: true, numericalOnly: true },
  jensenshannon: { kind: "distance", threshold: 0.1, inclusive: true, numericalOnly: false },
  psi: { kind: "distance", threshold: 0.1, inclusive: true, numericalOnly: false },
  kl: { kind: "distance", threshold: 0.1, inclusive: true, numericalOnly: false },
};

export function isDriftMethod(name: string): name is DriftMethod {
  return (DRIFT_METHODS as readonly string[]).includes(name);
}

/** A method name from user input, or INVALID_PARAMETER_VALUE naming `field` and the choices. */
export function parseDriftMethod(name: string, field: string): DriftMethod {
  if (isDriftMethod(name)) return name;
  throw invalidParameter(
    `${field}: unknown drift method '${name}' (expected one of ${DRIFT_METHODS.join(", ")})`,
  );
}

/** A threshold from user input: a p-value level in (0, 1) or a distance > 0. */
export function checkThreshold(method: DriftMethod, threshold: number, field: string): number {
  const info = METHOD_INFO[method];
  const ok = Number.isFinite(threshold) && threshold > 0 && (info.kind === "distance" || threshold < 1);
  if (!ok) {
    const rule = info.kind === "p_value" ? "a p-value level between 0 and 1 (exclusive)" : "a number > 0";
    throw invalidParameter(`${field}: threshold ${threshold} for ${method} must be ${rule}`);
  }
  return threshold;
}

/** Whether a score drifts: a p-value below the threshold (or at it, for KS), a distance at or above it. */
export function scoreDrifts(method: DriftMethod, score: number, threshold: number): boolean {
  const info = METHOD_INFO[method];
  if (Number.isNaN(score)) return false;
  if (info.kind === "distance") return score >= threshold;
  return info.inclusive ? score <= threshold : score < threshold;
}
