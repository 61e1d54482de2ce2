import type { Generated } from "kysely";
import type { FeatureTables } from "../features/tables.js";
import type { PipelineTables } from "../pipelines/tables.js";

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

export interface RegisteredModelsTable {
  model_id: Generated<number>;
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
}

export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}

/** A version row; `deleted_time` marks a soft-deleted version, whose number stays taken. */
export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string;
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  deleted_time: number | null;
  /** Gyre: read from the model's manifest at registration. */
  format: string | null;
  signature: string | null;
  input_example: string | null;
  /** Gyre: JSON `[{key, value}]` of the run's latest metrics at registration. */
  run_metrics: string | null;
}

export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  name: string;
  alias: string;
  version: number;
}

/** Append-only; `before` / `after` are JSON objects as text. */
export interface RegistryAuditTable {
  id: Generated<number>;
  model_id: number;
  name: string;
  version: number | null;
  action: string;
  actor: string;
  timestamp: number;
  before: string | null;
  after: string | null;
}

/** A dataset name: exists so that taking the next version number can lock it. */
export interface DatasetNamesTable {
  name: string;
  creation_time: number;
}

/** An immutable dataset version; `files`, `schema` and `profile` are JSON text. */
export interface DatasetVersionsTable {
  name: string;
  version: number;
  digest: string;
  location: string;
  source: string;
  sql: string | null;
  format: string;
  files: string;
  size_bytes: number;
  schema: string;
  row_count: number;
  profile: string;
  description: string | null;
  creator: string | null;
  creation_time: number;
}

/** One stored validation run; `result` is the ValidationResult as JSON text. */
export interface DatasetValidationsTable {
  id: Generated<number>;
  name: string;
  version: number;
  suite: string;
  reference: string | null;
  success: number;
  result: string;
  creator: string | null;
  creation_time: number;
}

/** A named deployment; `revision` is the current one in deployment_revisions. */
export interface DeploymentsTable {
  name: string;
  revision: number;
  creation_time: number;
  last_update_time: number;
  creator: string;
  last_updated_by: string;
}

/** One revision of a deployment's spec (JSON); never changed once written. */
export interface DeploymentRevisionsTable {
  name: string;
  revision: number;
  spec: string;
  action: string;
  previous_revision: number | null;
  actor: string;
  timestamp: number;
}

export interface Schema extends FeatureTables, PipelineTables {
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
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
  registry_audit: RegistryAuditTable;
  dataset_names: DatasetNamesTable;
  dataset_versions: DatasetVersionsTable;
  dataset_validations: DatasetValidationsTable;
  deployments: DeploymentsTable;
  deployment_revisions: DeploymentRevisionsTable;
}
