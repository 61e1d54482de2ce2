import { describe, expect, it } from "vitest";
import {
  continuousTraining,
  GateThresholdsError,
  gateNeeds,
  judgeGate,
  type ModelEvaluation,
  onlineMetric,
  parseGateThresholds,
} from "../src/index.js";

/** The continuous-training template's pure parts: its DAG, the gate's judgement, the online metric. */

const unused = async () => {
  throw new Error("not called");
};

function evaluation(
  metrics: ModelEvaluation["metrics"],
  slices: ModelEvaluation["slices"] = {},
): ModelEvaluation {
  return { model: "m", task: "classification", rows: 100, metrics, slices };
}

describe("continuousTraining", () => {
  it("defines the loop's steps in order, each after the one it needs", () => {
    const def = continuousTraining({ train: unused, evaluate: unused });
    expect(def.name).toBe("continuous-training");
    expect(def.steps.map((s) => [s.name, [...s.dependsOn].sort()])).toEqual([
      ["validate", []],
      ["training_set", ["validate"]],
      ["train", ["training_set"]],
      ["evaluate", ["train", "training_set"]],
      ["gate", ["evaluate"]],
      ["register", ["gate", "train"]],
      ["deploy", ["register"]],
      ["promote", ["deploy", "register"]],
    ]);
    // Registry and deployment state changes between runs: those steps are never cached.
    expect(def.steps.filter((s) => !s.cache).map((s) => s.name)).toEqual([
      "evaluate",
      "gate",
      "register",
      "deploy",
      "promote",
    ]);
    expect(def.params.filter((p) => p.required).map((p) => p.name)).toEqual([
      "dataset",
      "holdout",
      "target",
      "model_name",
      "deployment",
    ]);
  });
});

describe("the gate", () => {
  const thresholds = parseGateThresholds({
    roc_auc: { max_drop: 0.002 },
    log_loss: { max_increase: 0.01, max: 0.7 },
    latency_p99_ms: { max: 5 },
    slices: { column: "origin", metric: "accuracy", max_drop: 0.05, min_rows: 50 },
  });
  const champion = evaluation(
    { roc_auc: 0.7, log_loss: 0.5, accuracy: 0.8, latency_p99_ms: 1 },
    { origin: [{ value: "ORD", rows: 80, metrics: { accuracy: 0.8 } }] },
  );

  it("needs the metrics and slice columns the rules name", () => {
    expect(gateNeeds(thresholds)).toEqual({
      metrics: ["roc_auc", "log_loss", "latency_p99_ms", "accuracy"],
      sliceColumns: ["origin"],
    });
  });

  it("passes at the limits exactly and fails just past them", () => {
    const atLimit = evaluation(
      { roc_auc: 0.698, log_loss: 0.51, latency_p99_ms: 5 },
      {
        origin: [
          { value: "ORD", rows: 80, metrics: { accuracy: 0.75 } },
          { value: "XNA", rows: 3, metrics: { accuracy: 0 } },
        ],
      },
    );
    const passed = judgeGate(thresholds, atLimit, champion);
    expect(passed.passed).toBe(true);
    expect(passed.checks.map((c) => [c.name, c.rule, c.status])).toEqual([
      ["roc_auc", "max_drop 0.002", "pass"],
      ["log_loss", "max 0.7", "pass"],
      ["log_loss", "max_increase 0.01", "pass"],
      ["latency_p99_ms", "max 5", "pass"],
      ["accuracy[origin=ORD]", "max_drop 0.05", "pass"],
      ["accuracy[origin=XNA]", "min_rows 50", "skip"],
    ]);
    const past = evaluation({ roc_auc: 0.6979, log_loss: 0.5101, latency_p99_ms: 5.01 });
    const failed = judgeGate(thresholds, past, champion);
    expect(failed.passed).toBe(false);
    expect(failed.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual([
      "roc_auc",
      "log_loss",
      "latency_p99_ms",
    ]);
  });

  it("fails a metric that could not be computed and skips relative rules without a champion", () => {
    const result = judgeGate(
      thresholds,
      evaluation({ roc_auc: Number.NaN, log_loss: 0.4, latency_p99_ms: 1 }),
    );
    expect(result.checks.map((c) => [c.name, c.rule, c.status])).toEqual([
      ["roc_auc", "max_drop 0.002", "skip"],
      ["log_loss", "max 0.7", "pass"],
      ["log_loss", "max_increase 0.01", "skip"],
      ["latency_p99_ms", "max 5", "pass"],
    ]);
    const nan = judgeGate(
      parseGateThresholds({ roc_auc: { min: 0.5 } }),
      evaluation({ roc_auc: Number.NaN }),
    );
    expect(nan.checks[0]).toMatchObject({ status: "fail", note: "roc_auc could not be computed" });
  });

  it("names the field and the rule of every mistake", () => {
    const problems = (value: unknown) => {
      try {
        parseGateThresholds(value, "t.json");
        return [];
      } catch (error) {
        return (error as GateThresholdsError).problems;
      }
    };
    expect(problems({ rmse: { max_drop: 1 }, r2: { max_increase: 1 } })).toEqual([
      "t.json.rmse.max_drop: rmse is better when lower: bound its worsening with max_increase",
      "t.json.r2.max_increase: r2 is better when higher: bound its worsening with max_drop",
    ]);
    expect(problems({ accuracy: { min: 0.9, max: 0.8 } })).toEqual([
      "t.json.accuracy.min: must not exceed max",
    ]);
    expect(problems({ slices: [{ column: "a", metric: "latency_p99_ms", max: 1 }] })[0]).toMatch(
      /^t\.json\.slices\.0\.metric: /,
    );
    expect(() => parseGateThresholds({ auc: {} })).toThrow(GateThresholdsError);
  });
});

describe("onlineMetric", () => {
  const rows = [
    { outputs: { label: "1", probabilities: [0.2, 0.8] }, label: "1" },
    { outputs: { label: "1", probabilities: [0.4, 0.6] }, label: "0" },
    { outputs: { label: "0", probabilities: [0.9, 0.1] }, label: "0" },
    { outputs: { label: "0", probabilities: [0.7, 0.3] }, label: "1" },
  ];

  it("computes accuracy and log loss of labelled predictions", () => {
    expect(onlineMetric("accuracy", rows)).toBe(0.5);
    expect(onlineMetric("log_loss", rows)).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.4) + Math.log(0.9) + Math.log(0.3)) / 4,
      15,
    );
    expect(() => onlineMetric("f1", rows)).toThrow(
      "Parameter 'online_metric' is accuracy or log_loss, got 'f1'.",
    );
  });
});
