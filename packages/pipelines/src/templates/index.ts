/** Ready-made pipelines and the pieces they share with the CLI (`gyre test`'s gate). */

export {
  CONTINUOUS_TRAINING,
  CONTINUOUS_TRAINING_DEFAULTS,
  type ContinuousTrainingHooks,
  continuousTraining,
  type EvaluateInput,
  type EvaluateOutput,
  joinFeatures,
  type TrainInput,
  type TrainingSetInput,
  type TrainOutput,
} from "./continuous-training.js";
export {
  type CheckStatus,
  CLASSIFICATION_METRICS,
  GATE_METRICS,
  type GateCheck,
  type GateMetric,
  type GateResult,
  GateThresholds,
  GateThresholdsError,
  type GateThresholdsInput,
  gateNeeds,
  judgeGate,
  LATENCY_METRICS,
  type MetricRule,
  type ModelEvaluation,
  parseGateThresholds,
  REGRESSION_METRICS,
  type SliceEvaluation,
  SliceRule,
} from "./gate.js";
export {
  judgeByMonitoring,
  type OnlineFigure,
  type OnlineJudgeInput,
  type OnlineVerdict,
  onlineMetric,
} from "./online-judge.js";
