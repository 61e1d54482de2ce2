import { describe, expect, it } from "vitest";
import {
  type Average,
  accuracy,
  confusionMatrix,
  f1Score,
  precisionRecallF1,
} from "../src/metrics/classification.js";
import { brierScore, calibrationCurve, logLoss } from "../src/metrics/probabilistic.js";
import { averagePrecision, rocAuc, rocAucOvr } from "../src/metrics/ranking.js";
import { mae, mape, r2, rmse } from "../src/metrics/regression.js";
import { expectCloseTo, readFixture } from "./reference-fixtures.js";

/** Every metric against scikit-learn 1.2.1 on the fixed inputs of make_reference_fixtures.py. */
const REL = 1e-10;

interface Cases {
  binary: Record<string, number[] | number[][] | number> & {
    y_true: number[];
    score: number[];
    y_pred: number[];
  };
  binary_continuous: Record<string, number[] | number[][] | number> & { y_true: number[]; score: number[] };
  multiclass: Record<string, number[] | number[][] | number> & {
    y_true: number[];
    y_pred: number[];
    proba: number[][];
  };
  regression: { y_true: number[]; y_pred: number[]; rmse: number; mae: number; r2: number; mape: number };
  edge: Record<
    string,
    { y_true: number[]; y_pred?: number[]; score?: number[]; [metric: string]: number | number[] | undefined }
  >;
}
const { cases } = readFixture<{ cases: Cases }>("reference-metrics.json");
const ints = (a: number[]) => Int32Array.from(a);
const floats = (a: number[]) => Float64Array.from(a);
const num = (v: unknown) => v as number;
const pair = (v: unknown) => v as [number[], number[]];

describe("binary metrics (tied scores)", () => {
  const c = cases.binary;
  const y = ints(c.y_true);
  const pred = ints(c.y_pred);
  const score = floats(c.score);

  it("accuracy, precision, recall, F1 and the confusion matrix", () => {
    expectCloseTo(accuracy(y, pred), num(c.accuracy), REL);
    const prf = precisionRecallF1(y, pred);
    expectCloseTo([prf.precision, prf.recall, prf.f1], [num(c.precision), num(c.recall), num(c.f1)], REL);
    for (const average of ["binary", "macro", "micro", "weighted"] as Average[]) {
      const s = precisionRecallF1(y, pred, { average });
      expectCloseTo([s.precision, s.recall, s.f1], c[`prf_${average}`] as number[], REL);
    }
    expect(Array.from(confusionMatrix(y, pred).counts)).toEqual((c.confusion_matrix as number[][]).flat());
  });

  it("ROC AUC, average precision, log loss, Brier", () => {
    expectCloseTo(rocAuc(y, score), num(c.roc_auc), REL);
    expectCloseTo(averagePrecision(y, score), num(c.average_precision), REL);
    expectCloseTo(logLoss(y, score), num(c.log_loss), REL);
    expectCloseTo(brierScore(y, score), num(c.brier), REL);
  });

  it("calibration curves, uniform and quantile bins (edges that coincide with scores)", () => {
    const uniform = calibrationCurve(y, score, { nBins: 5, strategy: "uniform" });
    expectCloseTo(uniform.probTrue, pair(c.calibration_uniform_5)[0], REL);
    expectCloseTo(uniform.probPred, pair(c.calibration_uniform_5)[1], REL);
    const quantile = calibrationCurve(y, score, { nBins: 4, strategy: "quantile" });
    expectCloseTo(quantile.probTrue, pair(c.calibration_quantile_4)[0], REL);
    expectCloseTo(quantile.probPred, pair(c.calibration_quantile_4)[1], REL);
  });
});

describe("binary metrics (continuous scores)", () => {
  const c = cases.binary_continuous;
  const y = ints(c.y_true);
  const score = floats(c.score);

  it("ranking, probability and calibration metrics", () => {
    expectCloseTo(rocAuc(y, score), num(c.roc_auc), REL);
    expectCloseTo(averagePrecision(y, score), num(c.average_precision), REL);
    expectCloseTo(logLoss(y, score), num(c.log_loss), REL);
    expectCloseTo(brierScore(y, score), num(c.brier), REL);
    for (const [key, nBins, strategy] of [
      ["calibration_uniform_10", 10, "uniform"],
      ["calibration_quantile_5", 5, "quantile"],
    ] as const) {
      const curve = calibrationCurve(y, score, { nBins, strategy });
      expectCloseTo(curve.probTrue, pair(c[key])[0], REL);
      expectCloseTo(curve.probPred, pair(c[key])[1], REL);
    }
  });
});

describe("multiclass metrics (a class never predicted)", () => {
  const c = cases.multiclass;
  const y = ints(c.y_true);
  const pred = ints(c.y_pred);
  const proba = floats(c.proba.flat());

  it("label metrics with zero-division precision", () => {
    expectCloseTo(accuracy(y, pred), num(c.accuracy), REL);
    for (const average of ["macro", "micro", "weighted"] as Average[]) {
      const s = precisionRecallF1(y, pred, { average });
      expectCloseTo([s.precision, s.recall, s.f1], c[`prf_${average}`] as number[], REL);
    }
    expect(Array.from(confusionMatrix(y, pred).counts)).toEqual((c.confusion_matrix as number[][]).flat());
  });

  it("one-vs-rest ROC AUC and log loss", () => {
    expectCloseTo(rocAucOvr(y, proba, "macro"), num(c.roc_auc_ovr_macro), REL);
    expectCloseTo(rocAucOvr(y, proba, "weighted"), num(c.roc_auc_ovr_weighted), REL);
    expectCloseTo(logLoss(y, proba), num(c.log_loss), REL);
  });
});

describe("regression metrics", () => {
  const c = cases.regression;
  it("RMSE, MAE, R², MAPE", () => {
    const [y, p] = [floats(c.y_true), floats(c.y_pred)];
    expectCloseTo([rmse(y, p), mae(y, p), r2(y, p), mape(y, p)], [c.rmse, c.mae, c.r2, c.mape], REL);
  });
});

describe("edge cases", () => {
  const e = cases.edge;
  it("no predicted positive: precision and F1 are 0, not NaN", () => {
    const c = e.no_predicted_positive!;
    const s = precisionRecallF1(ints(c.y_true), ints(c.y_pred!));
    expect([s.precision, s.recall, s.f1]).toEqual(c.prf_binary);
    expect(f1Score(ints(c.y_true), ints(c.y_pred!))).toBe(0);
  });

  it("perfect and fully tied rankings", () => {
    for (const name of ["perfect_ranking", "all_tied"]) {
      const c = e[name]!;
      expectCloseTo(rocAuc(ints(c.y_true), floats(c.score!)), num(c.roc_auc), REL);
      expectCloseTo(averagePrecision(ints(c.y_true), floats(c.score!)), num(c.average_precision), REL);
    }
  });

  it("log loss clips certain wrong answers; R² on a constant truth; MAPE with a zero truth", () => {
    const ll = e.log_loss_clipped!;
    expectCloseTo(logLoss(ints(ll.y_true), floats(ll.score!)), num(ll.log_loss), REL);
    for (const name of ["r2_constant_truth", "r2_constant_exact"]) {
      const c = e[name]!;
      expect(r2(floats(c.y_true), floats(c.y_pred!))).toBe(c.r2);
    }
    const m = e.mape_zero_truth!;
    expectCloseTo(mape(floats(m.y_true), floats(m.y_pred!)), num(m.mape), REL);
  });

  it("rejects what scikit-learn rejects", () => {
    expect(() => rocAuc(ints([1, 1]), floats([0.2, 0.3]))).toThrow(/both classes/);
    expect(() => accuracy(ints([1]), ints([1, 0]))).toThrow(/1 true values but 2/);
    expect(() => calibrationCurve(ints([0, 1]), floats([0.5, 1.5]))).toThrow(/outside \[0, 1\]/);
  });
});
