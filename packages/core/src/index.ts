export * from "./api/artifacts.js";
export * from "./api/contract.js";
export * as tracking from "./api/tracking.js";
export {
  type DatasetInput,
  Experiment,
  FileInfo,
  type KeyValue,
  Metric,
  RUN_STATUSES,
  Run,
  RunData,
  RunInfo,
  type RunStatus,
  VIEW_TYPES,
  type ViewType,
} from "./api/tracking.js";
export * from "./api/wire.js";
export * from "./errors.js";
export * from "./limits.js";
