import { LIMITS, pipelines, type RequestOf } from "@gyre/core";
import type { GyreClient } from "./client.js";
import type { Gyre } from "./gyre.js";
import { Run } from "./run.js";

/**
 * Gyre's pipeline routes: run records, step states, logs, the step cache and triggers. The
 * pipeline engine (`@gyre/pipelines`) and `gyre worker` write through these; the CLI reads them.
 */
export class PipelinesClient {
  constructor(private readonly client: GyreClient) {}

  async createRun(request: RequestOf<typeof pipelines.createPipelineRun>): Promise<pipelines.PipelineRun> {
    return (await this.client.call(pipelines.createPipelineRun, request)).pipeline_run;
  }

  async getRun(id: string): Promise<pipelines.PipelineRun> {
    return (await this.client.call(pipelines.getPipelineRun, { id })).pipeline_run;
  }

  async listRuns(
    options: { name?: string; status?: pipelines.PipelineRunStatus; maxResults?: number } = {},
  ): Promise<pipelines.PipelineRun[]> {
    const page = await this.client.call(pipelines.listPipelineRuns, {
      name: options.name,
      status: options.status,
      max_results: options.maxResults,
    });
    return page.pipeline_runs ?? [];
  }

  async updateRun(request: RequestOf<typeof pipelines.updatePipelineRun>): Promise<pipelines.PipelineRun> {
    return (await this.client.call(pipelines.updatePipelineRun, request)).pipeline_run;
  }

  /** `force`: mark a running run CANCELLED now, for one whose coordinator is gone. */
  async cancelRun(id: string, options: { force?: boolean } = {}): Promise<pipelines.PipelineRun> {
    return (await this.client.call(pipelines.cancelPipelineRun, { id, force: options.force })).pipeline_run;
  }

  async updateStep(request: RequestOf<typeof pipelines.updatePipelineStep>): Promise<pipelines.PipelineStep> {
    return (await this.client.call(pipelines.updatePipelineStep, request)).step;
  }

  async appendLogs(id: string, step: string, lines: { text: string; timestamp?: number }[]): Promise<void> {
    await this.client.call(pipelines.appendPipelineLogs, { id, step, lines });
  }

  async getLogs(
    id: string,
    options: { step?: string; after?: number; maxResults?: number } = {},
  ): Promise<pipelines.PipelineLogLine[]> {
    const page = await this.client.call(pipelines.getPipelineLogs, {
      id,
      step: options.step,
      after: options.after,
      max_results: options.maxResults,
    });
    return page.lines ?? [];
  }

  async getCache(key: string): Promise<pipelines.PipelineCacheEntry | undefined> {
    return (await this.client.call(pipelines.getPipelineCache, { key })).entry;
  }

  async putCache(request: RequestOf<typeof pipelines.putPipelineCache>): Promise<void> {
    await this.client.call(pipelines.putPipelineCache, request);
  }

  async createTrigger(
    request: RequestOf<typeof pipelines.createPipelineTrigger>,
  ): Promise<pipelines.PipelineTrigger> {
    return (await this.client.call(pipelines.createPipelineTrigger, request)).trigger;
  }

  async listTriggers(): Promise<pipelines.PipelineTrigger[]> {
    return (await this.client.call(pipelines.listPipelineTriggers, {})).triggers ?? [];
  }

  async deleteTrigger(name: string): Promise<void> {
    await this.client.call(pipelines.deletePipelineTrigger, { name });
  }

  async pollTrigger(name: string): Promise<pipelines.TriggerEvent[]> {
    return (await this.client.call(pipelines.pollPipelineTrigger, { name })).events ?? [];
  }

  /** Fires `name` for one event; `undefined` when that event has already fired it. */
  async fireTrigger(
    name: string,
    event: { key: string; cursor: number; params?: Record<string, string> },
  ): Promise<pipelines.PipelineRun | undefined> {
    const answer = await this.client.call(pipelines.firePipelineTrigger, {
      name,
      event_key: event.key,
      cursor: event.cursor,
      params: event.params,
    });
    return answer.fired ? answer.pipeline_run : undefined;
  }

  async listFirings(name: string): Promise<pipelines.TriggerFiring[]> {
    return (await this.client.call(pipelines.listTriggerFirings, { name })).firings ?? [];
  }
}

/**
 * A `Run` handle for a run someone else started (e.g. a pipeline step run created by the
 * coordinator and logged to by a worker). Ending it stays with whoever started it.
 */
export async function attachRun(
  gyre: Gyre,
  runId: string,
  options: { metricFlushIntervalMs?: number } = {},
): Promise<Run> {
  const record = await gyre.getRun(runId);
  return new Run(gyre, record.info, {
    batchSize: LIMITS.batchMetrics,
    intervalMs: options.metricFlushIntervalMs ?? 1000,
  });
}
