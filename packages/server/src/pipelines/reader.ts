import type { pipelines } from "@gyre/core";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Schema } from "../store/schema.js";
import { jsonOr, optionalNumber } from "./context.js";
import type { PipelineRunsTable, PipelineStepsTable } from "./tables.js";

export type Db = Kysely<Schema> | Transaction<Schema>;

export function stepOf(row: Selectable<PipelineStepsTable>): pipelines.PipelineStep {
  return {
    name: row.name,
    status: row.status as pipelines.PipelineStepStatus,
    depends_on: jsonOr<string[]>(row.depends_on, []),
    attempt: Number(row.attempt),
    run_id: row.run_id ?? undefined,
    cache_key: row.cache_key ?? undefined,
    cached_from: row.cached_from ?? undefined,
    outputs: jsonOr<Record<string, unknown> | undefined>(row.outputs, undefined),
    error: row.error ?? undefined,
    job_id: row.job_id ?? undefined,
    start_time: optionalNumber(row.start_time),
    end_time: optionalNumber(row.end_time),
  };
}

export function runOf(
  row: Selectable<PipelineRunsTable>,
  steps: pipelines.PipelineStep[],
): pipelines.PipelineRun {
  return {
    id: row.id,
    name: row.name,
    status: row.status as pipelines.PipelineRunStatus,
    run_id: row.run_id ?? undefined,
    experiment_id: row.experiment_id ?? undefined,
    params: jsonOr<Record<string, string>>(row.params, {}),
    module: row.module ?? undefined,
    executor: row.executor,
    trigger: row.trigger ?? undefined,
    event_key: row.event_key ?? undefined,
    cancel_requested: Number(row.cancel_requested) === 1,
    error: row.error ?? undefined,
    creation_time: Number(row.creation_time),
    start_time: optionalNumber(row.start_time),
    end_time: optionalNumber(row.end_time),
    steps,
  };
}

/** Runs with their steps: one query for the runs, one for all their steps. */
export async function readRuns(
  db: Db,
  rows: Selectable<PipelineRunsTable>[],
): Promise<pipelines.PipelineRun[]> {
  if (rows.length === 0) return [];
  const steps = await db
    .selectFrom("pipeline_steps")
    .selectAll()
    .where(
      "pipeline_run_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("position")
    .execute();
  const byRun = new Map<string, pipelines.PipelineStep[]>();
  for (const step of steps) {
    const list = byRun.get(step.pipeline_run_id) ?? [];
    list.push(stepOf(step));
    byRun.set(step.pipeline_run_id, list);
  }
  return rows.map((row) => runOf(row, byRun.get(row.id) ?? []));
}
