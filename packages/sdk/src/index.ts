export type {
  DatasetInput,
  ErrorCode,
  Experiment,
  FileInfo,
  KeyValue,
  Metric,
  Run as RunRecord,
  RunData,
  RunInfo,
  RunStatus,
  ViewType,
} from "@gyre/core";
export { tracking } from "@gyre/core";
export { GyreError } from "@gyre/core/errors";
export { type FetchLike, GyreClient, type GyreClientOptions, type HttpRequest } from "./client.js";
export { Gyre, type GyreOptions, type RunsPage, type SearchRunsOptions } from "./gyre.js";
export {
  type DatasetContext,
  type DatasetDescription,
  type LogInputOptions,
  type MetricOptions,
  type ParamValue,
  Run,
  type StartRunOptions,
} from "./run.js";
export {
  DEFAULT_TRACKING_URI,
  type Environment,
  resolveTrackingUri,
  trackingUriFromEnv,
} from "./tracking-uri.js";
