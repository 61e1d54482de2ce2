import { z } from "zod";
import { defineRoute } from "./contract.js";
import { double, doubleOut, idString, int32, int64, repeated, requiredString } from "./wire.js";

// ---- Objects (response side), field names exactly as in MLflow's service.proto ----

export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export const VIEW_TYPES = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type ViewType = (typeof VIEW_TYPES)[number];

const keyValue = z.object({ key: z.string(), value: z.string() });
export const ExperimentTag = keyValue;
export const RunTag = keyValue;
export const Param = keyValue;

export const Experiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(["active", "deleted"]),
  last_update_time: z.number().int(),
  creation_time: z.number().int(),
  tags: z.array(ExperimentTag).optional(),
});

export const Metric = z.object({
  key: z.string(),
  value: doubleOut(),
  timestamp: z.number().int(),
  step: z.number().int(),
});

export const RunInfo = z.object({
  run_id: z.string(),
  run_uuid: z.string(),
  run_name: z.string().optional(),
  experiment_id: z.string(),
  user_id: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  start_time: z.number().int(),
  end_time: z.number().int().optional(),
  artifact_uri: z.string(),
  lifecycle_stage: z.enum(["active", "deleted"]),
});

export const RunData = z.object({
  metrics: z.array(Metric).optional(),
  params: z.array(Param).optional(),
  tags: z.array(RunTag).optional(),
});

export const InputTag = z.object({ key: z.string(), value: z.string() });

export const Dataset = z.object({
  name: z.string(),
  digest: z.string(),
  source_type: z.string(),
  source: z.string(),
  schema: z.string().optional(),
  profile: z.string().optional(),
});

export const DatasetInput = z.object({ tags: z.array(InputTag).optional(), dataset: Dataset });

export const RunInputs = z.object({ dataset_inputs: z.array(DatasetInput).optional() });

export const Run = z.object({ info: RunInfo, data: RunData, inputs: RunInputs });

export const FileInfo = z.object({
  path: z.string(),
  is_dir: z.boolean(),
  file_size: z.number().int().optional(),
});

export const MetricWithRunId = Metric.extend({ run_id: z.string() });

export type Experiment = z.output<typeof Experiment>;
export type Run = z.output<typeof Run>;
export type RunInfo = z.output<typeof RunInfo>;
export type RunData = z.output<typeof RunData>;
export type Metric = z.output<typeof Metric>;
export type FileInfo = z.output<typeof FileInfo>;
export type DatasetInput = z.output<typeof DatasetInput>;
export type KeyValue = z.output<typeof keyValue>;

// ---- Request pieces ----

const keyValueIn = z.object({ key: requiredString(), value: z.string().default("") });
const metricIn = z.object({
  key: requiredString(),
  value: double(),
  timestamp: int64(),
  step: int64().default(0),
});
const runId = z.object({ run_id: z.string().optional(), run_uuid: z.string().optional() });
const empty = z.object({});
const viewType = z.enum(VIEW_TYPES);

const datasetIn = z.object({
  name: requiredString(),
  digest: requiredString(),
  source_type: requiredString(),
  source: requiredString(),
  schema: z.string().optional(),
  profile: z.string().optional(),
});
const datasetInputIn = z.object({
  tags: z.array(z.object({ key: requiredString(), value: requiredString() })).optional(),
  dataset: datasetIn,
});

const API = "/api/2.0/mlflow";
const TAG_EXP = "Experiments";
const TAG_RUN = "Runs";

// ---- Experiments ----

export const createExperiment = defineRoute({
  operation: "createExperiment",
  methods: ["POST"],
  path: `${API}/experiments/create`,
  tag: TAG_EXP,
  summary: "Create an experiment; names are unique among active and deleted experiments.",
  request: z.object({
    name: requiredString(),
    artifact_location: z.string().optional(),
    tags: z.array(keyValueIn).optional(),
  }),
  response: z.object({ experiment_id: z.string() }),
});

export const getExperiment = defineRoute({
  operation: "getExperiment",
  methods: ["GET"],
  path: `${API}/experiments/get`,
  tag: TAG_EXP,
  summary: "Get an experiment by id (deleted ones too).",
  request: z.object({ experiment_id: idString() }),
  response: z.object({ experiment: Experiment }),
});

export const getExperimentByName = defineRoute({
  operation: "getExperimentByName",
  methods: ["GET"],
  path: `${API}/experiments/get-by-name`,
  tag: TAG_EXP,
  summary: "Get an experiment by name, preferring the active one.",
  request: z.object({ experiment_name: requiredString() }),
  response: z.object({ experiment: Experiment }),
});

export const searchExperiments = defineRoute({
  operation: "searchExperiments",
  methods: ["POST", "GET"],
  path: `${API}/experiments/search`,
  tag: TAG_EXP,
  summary: "Search experiments with MLflow's filter grammar, order_by and page tokens.",
  request: z.object({
    max_results: int64().pipe(z.number().int().min(1).max(50_000)).optional(),
    page_token: z.string().optional(),
    filter: z.string().optional(),
    order_by: repeated(z.string()).optional(),
    view_type: viewType.optional(),
  }),
  response: z.object({ experiments: z.array(Experiment).optional(), next_page_token: z.string().optional() }),
});

export const updateExperiment = defineRoute({
  operation: "updateExperiment",
  methods: ["POST"],
  path: `${API}/experiments/update`,
  tag: TAG_EXP,
  summary: "Rename an active experiment.",
  request: z.object({ experiment_id: idString(), new_name: requiredString() }),
  response: empty,
});

export const deleteExperiment = defineRoute({
  operation: "deleteExperiment",
  methods: ["POST"],
  path: `${API}/experiments/delete`,
  tag: TAG_EXP,
  summary: "Soft-delete an experiment and its runs.",
  request: z.object({ experiment_id: idString() }),
  response: empty,
});

export const restoreExperiment = defineRoute({
  operation: "restoreExperiment",
  methods: ["POST"],
  path: `${API}/experiments/restore`,
  tag: TAG_EXP,
  summary: "Restore a deleted experiment and its runs.",
  request: z.object({ experiment_id: idString() }),
  response: empty,
});

export const setExperimentTag = defineRoute({
  operation: "setExperimentTag",
  methods: ["POST"],
  path: `${API}/experiments/set-experiment-tag`,
  tag: TAG_EXP,
  summary: "Set (upsert) an experiment tag.",
  request: z.object({ experiment_id: idString(), key: requiredString(), value: z.string().default("") }),
  response: empty,
});

export const deleteExperimentTag = defineRoute({
  operation: "deleteExperimentTag",
  methods: ["POST"],
  path: `${API}/experiments/delete-experiment-tag`,
  tag: TAG_EXP,
  summary: "Delete an experiment tag.",
  request: z.object({ experiment_id: idString(), key: requiredString() }),
  response: empty,
});

// ---- Runs ----

export const createRun = defineRoute({
  operation: "createRun",
  methods: ["POST"],
  path: `${API}/runs/create`,
  tag: TAG_RUN,
  summary: "Create a run in an experiment.",
  request: z.object({
    experiment_id: idString(),
    user_id: z.string().optional(),
    run_name: z.string().optional(),
    start_time: int64().optional(),
    tags: z.array(keyValueIn).optional(),
  }),
  response: z.object({ run: Run }),
});

export const getRun = defineRoute({
  operation: "getRun",
  methods: ["GET"],
  path: `${API}/runs/get`,
  tag: TAG_RUN,
  summary: "Get a run (info, latest metrics, params, tags, inputs).",
  request: runId,
  response: z.object({ run: Run }),
});

export const updateRun = defineRoute({
  operation: "updateRun",
  methods: ["POST"],
  path: `${API}/runs/update`,
  tag: TAG_RUN,
  summary: "Update a run's status, end time or name; absent fields are left alone.",
  request: runId.extend({
    status: z.enum(RUN_STATUSES).optional(),
    end_time: int64().optional(),
    run_name: z.string().optional(),
  }),
  response: z.object({ run_info: RunInfo }),
});

export const deleteRun = defineRoute({
  operation: "deleteRun",
  methods: ["POST"],
  path: `${API}/runs/delete`,
  tag: TAG_RUN,
  summary: "Soft-delete a run.",
  request: z.object({ run_id: requiredString() }),
  response: empty,
});

export const restoreRun = defineRoute({
  operation: "restoreRun",
  methods: ["POST"],
  path: `${API}/runs/restore`,
  tag: TAG_RUN,
  summary: "Restore a deleted run.",
  request: z.object({ run_id: requiredString() }),
  response: empty,
});

export const logMetric = defineRoute({
  operation: "logMetric",
  methods: ["POST"],
  path: `${API}/runs/log-metric`,
  tag: TAG_RUN,
  summary: "Log one metric point; an identical (key, timestamp, step, value) point is a no-op.",
  request: runId.extend(metricIn.shape),
  response: empty,
});

export const logParam = defineRoute({
  operation: "logParam",
  methods: ["POST"],
  path: `${API}/runs/log-parameter`,
  tag: TAG_RUN,
  summary: "Log a param; params are immutable once logged.",
  request: runId.extend({ key: requiredString(), value: z.string().default("") }),
  response: empty,
});

export const setTag = defineRoute({
  operation: "setTag",
  methods: ["POST"],
  path: `${API}/runs/set-tag`,
  tag: TAG_RUN,
  summary: "Set (upsert) a run tag; mlflow.runName also renames the run.",
  request: runId.extend({ key: requiredString(), value: z.string().default("") }),
  response: empty,
});

export const deleteTag = defineRoute({
  operation: "deleteTag",
  methods: ["POST"],
  path: `${API}/runs/delete-tag`,
  tag: TAG_RUN,
  summary: "Delete a run tag.",
  request: z.object({ run_id: requiredString(), key: requiredString() }),
  response: empty,
});

export const logBatch = defineRoute({
  operation: "logBatch",
  methods: ["POST"],
  path: `${API}/runs/log-batch`,
  tag: TAG_RUN,
  summary: "Log up to 1000 metrics, 100 params and 100 tags (1000 entities in all) in one write.",
  request: z.object({
    run_id: requiredString(),
    metrics: z.array(metricIn).optional(),
    params: z.array(keyValueIn).optional(),
    tags: z.array(keyValueIn).optional(),
  }),
  response: empty,
});

export const logInputs = defineRoute({
  operation: "logInputs",
  methods: ["POST"],
  path: `${API}/runs/log-inputs`,
  tag: TAG_RUN,
  summary: "Record the datasets a run read, with input tags such as mlflow.data.context.",
  request: z.object({ run_id: requiredString(), datasets: z.array(datasetInputIn).optional() }),
  response: empty,
});

export const logModel = defineRoute({
  operation: "logModel",
  methods: ["POST"],
  path: `${API}/runs/log-model`,
  tag: TAG_RUN,
  summary: "Append an MLmodel description to the run tag mlflow.log-model.history.",
  request: z.object({ run_id: requiredString(), model_json: requiredString() }),
  response: empty,
});

export const searchRuns = defineRoute({
  operation: "searchRuns",
  methods: ["POST"],
  path: `${API}/runs/search`,
  tag: TAG_RUN,
  summary: "Search runs with MLflow's filter grammar, order_by and page tokens.",
  request: z.object({
    experiment_ids: repeated(idString()).optional(),
    filter: z.string().optional(),
    run_view_type: viewType.optional(),
    max_results: int32().pipe(z.number().int().min(1).max(50_000)).optional(),
    order_by: repeated(z.string()).optional(),
    page_token: z.string().optional(),
  }),
  response: z.object({ runs: z.array(Run).optional(), next_page_token: z.string().optional() }),
});

// ---- Metrics and artifacts ----

export const getMetricHistory = defineRoute({
  operation: "getMetricHistory",
  methods: ["GET"],
  path: `${API}/metrics/get-history`,
  tag: TAG_RUN,
  summary: "Every point of one metric, ordered by (timestamp, step, value); pages when max_results is set.",
  request: runId.extend({
    metric_key: requiredString(),
    page_token: z.string().optional(),
    max_results: int32().pipe(z.number().int().min(1)).optional(),
  }),
  response: z.object({ metrics: z.array(Metric).optional(), next_page_token: z.string().optional() }),
});

export const getMetricHistoryBulkInterval = defineRoute({
  operation: "getMetricHistoryBulkInterval",
  methods: ["GET"],
  path: `${API}/metrics/get-history-bulk-interval`,
  tag: TAG_RUN,
  summary: "Down-sampled history of one metric for up to 100 runs (min and max step always kept).",
  request: z.object({
    run_ids: repeated(requiredString()).pipe(z.array(z.string()).min(1).max(100)),
    metric_key: requiredString(),
    start_step: int32().optional(),
    end_step: int32().optional(),
    max_results: int32().pipe(z.number().int().min(1).max(2500)).optional(),
  }),
  response: z.object({ metrics: z.array(MetricWithRunId).optional() }),
});

export const listArtifacts = defineRoute({
  operation: "listArtifacts",
  methods: ["GET"],
  path: `${API}/artifacts/list`,
  tag: TAG_RUN,
  summary: "List one directory level of a run's artifacts.",
  request: runId.extend({ path: z.string().optional(), page_token: z.string().optional() }),
  response: z.object({
    root_uri: z.string().optional(),
    files: z.array(FileInfo).optional(),
    next_page_token: z.string().optional(),
  }),
});

export const trackingRoutes = [
  createExperiment,
  getExperiment,
  getExperimentByName,
  searchExperiments,
  updateExperiment,
  deleteExperiment,
  restoreExperiment,
  setExperimentTag,
  deleteExperimentTag,
  createRun,
  getRun,
  updateRun,
  deleteRun,
  restoreRun,
  logMetric,
  logParam,
  setTag,
  deleteTag,
  logBatch,
  logInputs,
  logModel,
  searchRuns,
  getMetricHistory,
  getMetricHistoryBulkInterval,
  listArtifacts,
] as const;
