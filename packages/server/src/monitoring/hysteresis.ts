/** A monitor's alerting state between evaluations. */
export interface HysteresisState {
  /** Breaching evaluations in a row. */
  readonly breaches: number;
  /** OK evaluations in a row. */
  readonly ok: number;
  /** An alert is firing. */
  readonly firing: boolean;
}

export interface HysteresisRule {
  /** Fire after this many breaching evaluations in a row (≥ 1). */
  readonly fire_after: number;
  /** Resolve after this many OK evaluations in a row (≥ 1). */
  readonly resolve_after: number;
}

export type Verdict = "breach" | "ok" | "no_data";
export type AlertAction = "fire" | "resolve" | "none";

/**
 * One evaluation's effect on the alert. A breach counts towards firing and resets the OK run; an
 * OK evaluation counts towards resolving and resets the breach run; an evaluation without data
 * changes nothing (it is neither evidence of a problem nor of recovery). An alert fires once when
 * the breach run reaches `fire_after` and resolves once when the OK run reaches `resolve_after`,
 * so a metric hovering around its threshold cannot make alerts flap.
 */
export function step(
  state: HysteresisState,
  verdict: Verdict,
  rule: HysteresisRule,
): { state: HysteresisState; action: AlertAction } {
  if (verdict === "no_data") return { state, action: "none" };
  if (verdict === "breach") {
    const breaches = state.breaches + 1;
    const fire = !state.firing && breaches >= rule.fire_after;
    return { state: { breaches, ok: 0, firing: state.firing || fire }, action: fire ? "fire" : "none" };
  }
  const ok = state.ok + 1;
  const resolve = state.firing && ok >= rule.resolve_after;
  return {
    state: { breaches: 0, ok, firing: state.firing && !resolve },
    action: resolve ? "resolve" : "none",
  };
}
