import type { pipelines } from "@gyre/core";
import type { Handlers } from "../http/api-routes.js";
import type { PipelineServices } from "./services.js";

/** Each pipelines contract mapped to its service call. */
export function pipelineHandlers(s: PipelineServices): Handlers<typeof pipelines.pipelineRoutes> {
  return {
    createPipelineRun: (r) => s.runs.createPipelineRun(r),
    getPipelineRun: (r) => s.runs.getPipelineRun(r),
    listPipelineRuns: (r) => s.runs.listPipelineRuns(r),
    updatePipelineRun: (r) => s.runs.updatePipelineRun(r),
    cancelPipelineRun: (r) => s.runs.cancelPipelineRun(r),
    updatePipelineStep: (r) => s.runs.updatePipelineStep(r),
    appendPipelineLogs: (r) => s.logs.appendPipelineLogs(r),
    getPipelineLogs: (r) => s.logs.getPipelineLogs(r),
    getPipelineCache: (r) => s.cache.getPipelineCache(r),
    putPipelineCache: (r) => s.cache.putPipelineCache(r),
    createPipelineTrigger: (r) => s.triggers.createPipelineTrigger(r),
    listPipelineTriggers: (r) => s.triggers.listPipelineTriggers(r),
    deletePipelineTrigger: (r) => s.triggers.deletePipelineTrigger(r),
    pollPipelineTrigger: (r) => s.triggers.pollPipelineTrigger(r),
    firePipelineTrigger: (r) => s.triggers.firePipelineTrigger(r),
    listTriggerFirings: (r) => s.triggers.listTriggerFirings(r),
  };
}
