/** One result per model and data set beside scikit-learn's, with the targets' verdicts. */
import { type DataSet, type ModelName, SKLEARN, SKLEARN_BATCH1_S, TARGETS } from "./baselines.js";
import type { Batch1 } from "./latency.js";
import type { Scored } from "./models.js";
import type { PeerResult } from "./peer.js";

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

export function modelEntry(
  model: ModelName,
  data: DataSet,
  s: Scored,
  loadavg1m: number,
  peer: PeerResult | null,
): Record<string, unknown> {
  const sk = SKLEARN[model][data];
  const fitRatio = s.fit_s / sk.fit_s;
  const difference = s.metric - sk.metric;
  const entry: Record<string, unknown> = {
    fit_s: round(s.fit_s),
    fit_cpu_s: round(s.fit_cpu_s),
    predict_s: round(s.predict_s),
    metric: data === "letter" ? "accuracy" : "roc_auc",
    value: round(s.metric, 5),
    accuracy: round(s.accuracy, 5),
    sklearn: sk,
    fit_vs_sklearn: round(fitRatio, 3),
    metric_minus_sklearn: round(difference, 4),
    loadavg_1m_after: round(loadavg1m, 3),
  };
  if (peer) {
    entry.sklearn_same_run =
      "skipped" in peer
        ? peer
        : {
            ...peer,
            fit_s: round(peer.fit_s),
            fit_cpu_s: round(peer.fit_cpu_s),
            metric: round(peer.metric, 5),
            fit_ratio: round(s.fit_s / peer.fit_s, 3),
            fit_cpu_ratio: round(s.fit_cpu_s / peer.fit_cpu_s, 3),
            metric_minus_sklearn: round(s.metric - peer.metric, 4),
          };
  }
  const sameRunRatio = peer && !("skipped" in peer) ? s.fit_s / peer.fit_s : null;
  // The issue sets targets for the tree models only; logistic regression is reported for reference.
  if (model === "hist_gradient_boosting") {
    // Parity: the same model as scikit-learn's, so the metric must be within 0.005 either way.
    entry.meets_target = {
      fit: fitRatio <= TARGETS.hgb_fit_ratio_max,
      fit_same_run: sameRunRatio === null ? null : sameRunRatio <= TARGETS.hgb_fit_ratio_max,
      metric: Math.abs(difference) <= TARGETS.metric_gap_max,
    };
  } else if (model === "random_forest") {
    // Forests differ by random draws: only "not worse by more than 0.005".
    entry.meets_target = {
      fit: fitRatio <= TARGETS.rf_fit_ratio_max,
      fit_same_run: sameRunRatio === null ? null : sameRunRatio <= TARGETS.rf_fit_ratio_max,
      metric: -difference <= TARGETS.metric_gap_max,
    };
  }
  return entry;
}

export function batch1Entry(
  model: "hist_gradient_boosting" | "random_forest",
  b: Batch1,
): Record<string, unknown> {
  return {
    data: "flights-200k",
    trees: 100,
    row_us: round(b.row_s * 1e6, 3),
    frame_us: round(b.frame_s * 1e6, 3),
    rows: b.rows,
    sklearn_us: round(SKLEARN_BATCH1_S[model] * 1e6, 3),
    target_us: TARGETS.batch1_s_max * 1e6,
    meets_target: b.row_s <= TARGETS.batch1_s_max,
  };
}
