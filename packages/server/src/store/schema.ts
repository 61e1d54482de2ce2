import type { Generated } from "kysely";

/** Tables of the metadata store. Layout mirrors MLflow's SQL store where clients could notice. */
export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string | null;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
}

export interface RunEntryTable {
  run_uuid: string;
  key: string;
  value: string;
}

/** SQLite cannot store NaN (it becomes NULL), so NaN is a flag beside value 0, as in MLflow. */
export interface LatestMetricsTable {
  run_uuid: string;
  key: string;
  timestamp: number;
  step: number;
  value: number;
  is_nan: number;
}

/** One write's points of one metric key, packed (see tracking/metric-series.ts). */
export interface MetricChunksTable {
  chunk_id: Generated<number>;
  run_uuid: string;
  key: string;
  point_count: number;
  digest: string;
  points: Uint8Array;
}

export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface InputsTable {
  input_uuid: string;
  dataset_uuid: string;
  run_uuid: string;
}

export interface InputTagsTable {
  input_uuid: string;
  key: string;
  value: string;
}

export interface Schema {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: RunEntryTable;
  tags: RunEntryTable;
  metric_chunks: MetricChunksTable;
  latest_metrics: LatestMetricsTable;
  datasets: DatasetsTable;
  inputs: InputsTable;
  input_tags: InputTagsTable;
}
