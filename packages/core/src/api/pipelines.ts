import { z } from "zod";
import { defineRoute } from "./contract.js";
import { int64, requiredString } from "./wire.js";

/**
 * Pipeline runs, their steps and logs, the step cache and triggers: Gyre's own routes under
 * `/api/2.0/gyre/pipelines`. The coordinator (`@gyre/pipelines`) and `gyre worker` processes
 * write through them, so `gyre pipelines list|show|logs|cancel` work from any process.
 */

const BASE = "/api/2.0/gyre/pipelines";
const TAG = "Pipelines";

/** An optional page size from 1 to `max` (the same rule and message on every list route here). */
function maxResults(max: number) {
  const rule = `max_results is from 1 to ${max}`;
  return int64().pipe(z.number().int().min(1, rule).max(max, rule)).optional();
}

export const PIPELINE_RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type PipelineRunStatus = (typeof PIPELINE_RUN_STATUSES)[number];
export const PIPELINE_STEP_STATUSES = [
  "PENDING",
  "RUNNING",
  "RETRYING",
  "SUCCEEDED",
  "CACHED",
  "FAILED",
  "SKIPPED",
  "CANCELLED",
] as const;
export type PipelineStepStatus = (typeof PIPELINE_STEP_STATUSES)[number];

/** Letters, digits, '.', '_' and '-', starting with a letter or digit (pipeline, step and trigger names). */
export const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const PIPELINE_NAME_RULE =
  "must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 128 characters)";
const pipelineName = () => z.string().regex(PIPELINE_NAME, PIPELINE_NAME_RULE);

/** A step's outputs: JSON values by output name. */
const Outputs = z.record(z.string(), z.unknown());

export const PipelineStep = z.object({
  name: z.string(),
  status: z.enum(PIPELINE_STEP_STATUSES),
  depends_on: z.array(z.string()),
  attempt: z.number().int(),
  /** The step's child MLflow run. */
  run_id: z.string().optional(),
  cache_key: z.string().optional(),
  /** For a CACHED step: the step run whose outputs were reused. */
  cached_from: z.string().optional(),
  outputs: Outputs.optional(),
  error: z.string().optional(),
  /** The queue job executing the step (distributed executor), so a restarted coordinator finds it. */
  job_id: z.string().optional(),
  start_time: z.number().int().optional(),
  end_time: z.number().int().optional(),
});
export type PipelineStep = z.output<typeof PipelineStep>;

export const PipelineRun = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(PIPELINE_RUN_STATUSES),
  /** The parent MLflow run; each step is a child run of it. */
  run_id: z.string().optional(),
  experiment_id: z.string().optional(),
  params: z.record(z.string(), z.string()),
  /** Absolute path of the module defining the pipeline (what workers and triggers import). */
  module: z.string().optional(),
  executor: z.string(),
  /** The trigger that started the run, if any, and the event. */
  trigger: z.string().optional(),
  event_key: z.string().optional(),
  cancel_requested: z.boolean(),
  error: z.string().optional(),
  creation_time: z.number().int(),
  start_time: z.number().int().optional(),
  end_time: z.number().int().optional(),
  steps: z.array(PipelineStep),
});
export type PipelineRun = z.output<typeof PipelineRun>;

const stepDeclaration = z.object({ name: pipelineName(), depends_on: z.array(z.string()).default([]) });
const params = z.record(z.string(), z.string()).default({});
const runId = { id: requiredString() };

export const createPipelineRun = defineRoute({
  operation: "createPipelineRun",
  methods: ["POST"],
  path: `${BASE}/runs/create`,
  tag: TAG,
  summary: "Record a new pipeline run (QUEUED) with its steps (PENDING).",
  request: z.object({
    name: pipelineName(),
    executor: requiredString(),
    module: z.string().optional(),
    params,
    steps: z.array(stepDeclaration),
  }),
  response: z.object({ pipeline_run: PipelineRun }),
});

export const getPipelineRun = defineRoute({
  operation: "getPipelineRun",
  methods: ["GET"],
  path: `${BASE}/runs/get`,
  tag: TAG,
  summary: "One pipeline run with its steps.",
  request: z.object(runId),
  response: z.object({ pipeline_run: PipelineRun }),
});

export const listPipelineRuns = defineRoute({
  operation: "listPipelineRuns",
  methods: ["GET"],
  path: `${BASE}/runs/list`,
  tag: TAG,
  summary: "Pipeline runs, newest first, optionally of one pipeline or in one status.",
  request: z.object({
    name: z.string().optional(),
    status: z.enum(PIPELINE_RUN_STATUSES).optional(),
    max_results: maxResults(1000),
  }),
  response: z.object({ pipeline_runs: z.array(PipelineRun).optional() }),
});

export const updatePipelineRun = defineRoute({
  operation: "updatePipelineRun",
  methods: ["POST"],
  path: `${BASE}/runs/update`,
  tag: TAG,
  summary:
    "Change a run's status, parent run or error; RUNNING stamps the start time, a final status the end time. A finished run's status cannot change.",
  request: z.object({
    ...runId,
    status: z.enum(PIPELINE_RUN_STATUSES).optional(),
    run_id: z.string().optional(),
    experiment_id: z.string().optional(),
    executor: z.string().optional(),
    module: z.string().optional(),
    params: z.record(z.string(), z.string()).optional(),
    /** Replaces the step list (a run created by a trigger learns its steps when it starts). */
    steps: z.array(stepDeclaration).optional(),
    error: z.string().optional(),
  }),
  response: z.object({ pipeline_run: PipelineRun }),
});

export const cancelPipelineRun = defineRoute({
  operation: "cancelPipelineRun",
  methods: ["POST"],
  path: `${BASE}/runs/cancel`,
  tag: TAG,
  summary:
    "Ask a run to stop: a queued run is cancelled at once, a running one by its coordinator, which kills its running steps. With force, a running run is marked CANCELLED at once (for a run whose coordinator is gone).",
  request: z.object({ ...runId, force: z.boolean().optional() }),
  response: z.object({ pipeline_run: PipelineRun }),
});

export const updatePipelineStep = defineRoute({
  operation: "updatePipelineStep",
  methods: ["POST"],
  path: `${BASE}/steps/update`,
  tag: TAG,
  summary: "Change one step's status, attempt, run, cache key, outputs, error or job.",
  request: z.object({
    ...runId,
    step: requiredString(),
    status: z.enum(PIPELINE_STEP_STATUSES).optional(),
    attempt: z.number().int().min(0).optional(),
    run_id: z.string().optional(),
    cache_key: z.string().optional(),
    cached_from: z.string().optional(),
    outputs: Outputs.optional(),
    error: z.string().optional(),
    job_id: z.string().optional(),
  }),
  response: z.object({ step: PipelineStep }),
});

export const PipelineLogLine = z.object({
  seq: z.number().int(),
  step: z.string(),
  timestamp: z.number().int(),
  text: z.string(),
});
export type PipelineLogLine = z.output<typeof PipelineLogLine>;

export const appendPipelineLogs = defineRoute({
  operation: "appendPipelineLogs",
  methods: ["POST"],
  path: `${BASE}/logs/append`,
  tag: TAG,
  summary: "Append log lines of one step.",
  request: z.object({
    ...runId,
    step: requiredString(),
    lines: z.array(z.object({ text: z.string(), timestamp: z.number().int().optional() })).max(10_000),
  }),
  response: z.object({}),
});

export const getPipelineLogs = defineRoute({
  operation: "getPipelineLogs",
  methods: ["GET"],
  path: `${BASE}/logs/get`,
  tag: TAG,
  summary: "Log lines of a run (or one step) after sequence number `after`, in order.",
  request: z.object({
    ...runId,
    step: z.string().optional(),
    after: int64().optional(),
    max_results: maxResults(10_000),
  }),
  response: z.object({ lines: z.array(PipelineLogLine).optional() }),
});

export const PipelineCacheEntry = z.object({
  key: z.string(),
  pipeline: z.string(),
  step: z.string(),
  outputs: Outputs,
  run_id: z.string().optional(),
  creation_time: z.number().int(),
});
export type PipelineCacheEntry = z.output<typeof PipelineCacheEntry>;

export const getPipelineCache = defineRoute({
  operation: "getPipelineCache",
  methods: ["GET"],
  path: `${BASE}/cache/get`,
  tag: TAG,
  summary: "The stored outputs of a step by its content key, if any.",
  request: z.object({ key: requiredString() }),
  response: z.object({ entry: PipelineCacheEntry.optional() }),
});

export const putPipelineCache = defineRoute({
  operation: "putPipelineCache",
  methods: ["POST"],
  path: `${BASE}/cache/put`,
  tag: TAG,
  summary: "Store a step's outputs under its content key (the latest write wins).",
  request: z.object({
    key: requiredString(),
    pipeline: requiredString(),
    step: requiredString(),
    outputs: Outputs,
    run_id: z.string().optional(),
  }),
  response: z.object({}),
});

// ---- Triggers ----

export const TRIGGER_KINDS = ["cron", "dataset", "registry", "alert"] as const;
export const REGISTRY_TRIGGER_EVENTS = ["version_created", "alias_moved"] as const;

export const TriggerSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cron"), cron: requiredString(), timezone: z.string().optional() }),
  z.object({ kind: z.literal("dataset"), dataset: requiredString() }),
  z.object({
    kind: z.literal("registry"),
    model: requiredString(),
    events: z.array(z.enum(REGISTRY_TRIGGER_EVENTS)).min(1).default(["version_created", "alias_moved"]),
    /** Only moves of this alias count as alias_moved. */
    alias: z.string().optional(),
  }),
  z.object({ kind: z.literal("alert"), monitor: z.string().optional() }),
]);
export type TriggerSpec = z.output<typeof TriggerSpec>;
export type TriggerSpecInput = z.input<typeof TriggerSpec>;

export const PipelineTrigger = z.object({
  name: z.string(),
  pipeline: z.string(),
  module: z.string(),
  spec: TriggerSpec,
  params: z.record(z.string(), z.string()),
  executor: z.string(),
  /** Where polling resumes: a time in ms (cron, dataset) or an id (registry audit, alerts). */
  cursor: z.number().int(),
  creation_time: z.number().int(),
});
export type PipelineTrigger = z.output<typeof PipelineTrigger>;

export const createPipelineTrigger = defineRoute({
  operation: "createPipelineTrigger",
  methods: ["POST"],
  path: `${BASE}/triggers/create`,
  tag: TAG,
  summary: "Register a schedule or trigger; only events after its creation fire it.",
  request: z.object({
    name: pipelineName(),
    pipeline: pipelineName(),
    module: requiredString(),
    spec: TriggerSpec,
    params,
    executor: z.string().default("local"),
  }),
  response: z.object({ trigger: PipelineTrigger }),
});

export const listPipelineTriggers = defineRoute({
  operation: "listPipelineTriggers",
  methods: ["GET"],
  path: `${BASE}/triggers/list`,
  tag: TAG,
  summary: "Every trigger, by name.",
  request: z.object({}),
  response: z.object({ triggers: z.array(PipelineTrigger).optional() }),
});

export const deletePipelineTrigger = defineRoute({
  operation: "deletePipelineTrigger",
  methods: ["POST"],
  path: `${BASE}/triggers/delete`,
  tag: TAG,
  summary: "Remove a trigger (its firings stay recorded).",
  request: z.object({ name: requiredString() }),
  response: z.object({}),
});

export const TriggerEvent = z.object({
  /** Unique per trigger: one event fires at most one run. */
  key: z.string(),
  cursor: z.number().int(),
  /** What the run receives, e.g. trigger_dataset = datasets:/flights/3. */
  params: z.record(z.string(), z.string()),
});
export type TriggerEvent = z.output<typeof TriggerEvent>;

export const pollPipelineTrigger = defineRoute({
  operation: "pollPipelineTrigger",
  methods: ["POST"],
  path: `${BASE}/triggers/poll`,
  tag: TAG,
  summary:
    "New events of a dataset, registry or alert trigger that have not fired it yet (a cron trigger's ticks are computed by the scheduler).",
  request: z.object({ name: requiredString() }),
  response: z.object({ events: z.array(TriggerEvent).optional() }),
});

export const firePipelineTrigger = defineRoute({
  operation: "firePipelineTrigger",
  methods: ["POST"],
  path: `${BASE}/triggers/fire`,
  tag: TAG,
  summary:
    "Record that an event fired a trigger and create its run (QUEUED) in one transaction; an event already recorded fires nothing (fired: false).",
  request: z.object({
    name: requiredString(),
    event_key: requiredString(),
    cursor: int64(),
    params: z.record(z.string(), z.string()).default({}),
  }),
  response: z.object({ fired: z.boolean(), pipeline_run: PipelineRun.optional() }),
});

export const TriggerFiring = z.object({
  trigger: z.string(),
  event_key: z.string(),
  pipeline_run_id: z.string(),
  timestamp: z.number().int(),
});
export type TriggerFiring = z.output<typeof TriggerFiring>;

export const listTriggerFirings = defineRoute({
  operation: "listTriggerFirings",
  methods: ["GET"],
  path: `${BASE}/triggers/firings`,
  tag: TAG,
  summary: "The events that fired a trigger, newest first.",
  request: z.object({ name: requiredString() }),
  response: z.object({ firings: z.array(TriggerFiring).optional() }),
});

export const pipelineRoutes = [
  createPipelineRun,
  getPipelineRun,
  listPipelineRuns,
  updatePipelineRun,
  cancelPipelineRun,
  updatePipelineStep,
  appendPipelineLogs,
  getPipelineLogs,
  getPipelineCache,
  putPipelineCache,
  createPipelineTrigger,
  listPipelineTriggers,
  deletePipelineTrigger,
  pollPipelineTrigger,
  firePipelineTrigger,
  listTriggerFirings,
] as const;
