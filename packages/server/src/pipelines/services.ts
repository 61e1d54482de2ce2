import { PipelineCacheService } from "./cache.js";
import type { PipelinesContext } from "./context.js";
import { PipelineLogService } from "./logs.js";
import { PipelineRunService } from "./runs.js";
import { PipelineTriggerService } from "./triggers.js";

export type { PipelinesContext } from "./context.js";

/** The pipelines domain's public surface: one service per concern. */
export interface PipelineServices {
  readonly runs: PipelineRunService;
  readonly logs: PipelineLogService;
  readonly cache: PipelineCacheService;
  readonly triggers: PipelineTriggerService;
}

export function createPipelineServices(ctx: PipelinesContext): PipelineServices {
  return {
    runs: new PipelineRunService(ctx),
    logs: new PipelineLogService(ctx),
    cache: new PipelineCacheService(ctx),
    triggers: new PipelineTriggerService(ctx),
  };
}
