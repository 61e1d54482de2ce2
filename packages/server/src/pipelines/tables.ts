import type { Generated } from "kysely";

/** One pipeline run; `params` is a JSON object of strings. */
export interface PipelineRunsTable {
  id: string;
  name: string;
  status: string;
  run_id: string | null;
  experiment_id: string | null;
  params: string;
  module: string | null;
  executor: string;
  trigger: string | null;
  event_key: string | null;
  cancel_requested: number;
  error: string | null;
  creation_time: number;
  start_time: number | null;
  end_time: number | null;
}

/** One step of a run; `depends_on` and `outputs` are JSON. */
export interface PipelineStepsTable {
  pipeline_run_id: string;
  name: string;
  position: number;
  status: string;
  depends_on: string;
  attempt: number;
  run_id: string | null;
  cache_key: string | null;
  cached_from: string | null;
  outputs: string | null;
  error: string | null;
  job_id: string | null;
  start_time: number | null;
  end_time: number | null;
}

/** Log lines, appended; `seq` orders them across steps and processes. */
export interface PipelineLogsTable {
  seq: Generated<number>;
  pipeline_run_id: string;
  step: string;
  timestamp: number;
  text: string;
}

/** Step outputs by content key. */
export interface PipelineCacheTable {
  key: string;
  pipeline: string;
  step: string;
  outputs: string;
  run_id: string | null;
  creation_time: number;
}

export interface PipelineTriggersTable {
  name: string;
  pipeline: string;
  module: string;
  spec: string;
  params: string;
  executor: string;
  cursor: number;
  creation_time: number;
}

/** One row per (trigger, event): the primary key is what makes firing idempotent. */
export interface PipelineTriggerFiringsTable {
  trigger: string;
  event_key: string;
  pipeline_run_id: string;
  timestamp: number;
}

export interface PipelineTables {
  pipeline_runs: PipelineRunsTable;
  pipeline_steps: PipelineStepsTable;
  pipeline_logs: PipelineLogsTable;
  pipeline_cache: PipelineCacheTable;
  pipeline_triggers: PipelineTriggersTable;
  pipeline_trigger_firings: PipelineTriggerFiringsTable;
}
