/** The feature store's tables (migrations 0005_features and 0008_feature_materialize_jobs); definitions are JSON text. */

/** One row (id 1): the registry version, bumped by every apply that changes something. */
export interface FeatureRegistryTable {
  id: number;
  version: number;
  last_update_time: number;
  last_updated_by: string | null;
}

/** One object of the registry: an entity, source, feature view, transformation or service. */
export interface FeatureObjectsTable {
  kind: string;
  name: string;
  /** Order within its kind, as the repository listed it. */
  position: number;
  spec: string;
  /** The registry version that last changed it. */
  version: number;
  creation_time: number;
  last_update_time: number;
}

/** Every apply that changed the registry: who, when, and the changes (JSON). */
export interface FeatureRegistryLogTable {
  version: number;
  actor: string;
  timestamp: number;
  changes: string;
}

/** Per feature view: everything with event time up to `watermark` (epoch ms) is materialized. */
export interface FeatureWatermarksTable {
  feature_view: string;
  watermark: number;
  last_run_time: number;
  rows_written: number;
}

/**
 * One materialization job (migration 0008_feature_materialize_jobs): `job` is the API's job as JSON
 * text, `status` repeats its status; `owner` is the process running it, which rewrites the row —
 * and `heartbeat_time` (epoch ms) — on every change and about once a second while it runs.
 */
export interface FeatureMaterializeJobsTable {
  job_id: string;
  status: string;
  job: string;
  owner: string;
  heartbeat_time: number;
  start_time: number;
  end_time: number | null;
}

export interface FeatureTables {
  feature_registry: FeatureRegistryTable;
  feature_objects: FeatureObjectsTable;
  feature_registry_log: FeatureRegistryLogTable;
  feature_watermarks: FeatureWatermarksTable;
  feature_materialize_jobs: FeatureMaterializeJobsTable;
}
