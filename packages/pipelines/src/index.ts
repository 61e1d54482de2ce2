export { abortableSleep, backoffDelay, type Sleep } from "./attempts.js";
export { canonicalJson, type DigestResolver, stepCacheKey } from "./cache-key.js";
export {
  type InputSpec,
  type InputsSpec,
  isPipeline,
  type OutputRef,
  type OutputsSpec,
  type ParamDef,
  type ParamRef,
  type PipelineBuilder,
  type PipelineDef,
  pipeline,
  type Resources,
  type RetryPolicy,
  type ShellOptions,
  type StepContext,
  type StepDef,
  type StepFunction,
  type StepHandle,
  type StepOptions,
  type StepOutputs,
  type StepReturn,
} from "./definition.js";
export { type PipelineResult, type RunPipelineOptions, runPipeline, type StepResult } from "./engine.js";
export type { EventListener, PipelineEvent } from "./events.js";
export { type ExecuteHooks, type Executor, StepCancelled, type StepTask } from "./executor.js";
export { KINDS, type Kind, type ValueOf } from "./kinds.js";
export { LocalExecutor, type LocalExecutorOptions } from "./local-executor.js";
export { type LoadedPipeline, loadPipelineModule } from "./module-loader.js";
export { resolveParams } from "./params.js";
export { PgBossExecutor, type PgBossExecutorOptions } from "./pgboss-executor.js";
export { DEFAULT_QUEUE, type QueueOptions, type StepJob, type StepJobResult } from "./queue.js";
export { Scheduler, type SchedulerEvent, type SchedulerOptions } from "./scheduler.js";
export { inputEnvName } from "./shell.js";
// Ready-made pipelines (continuous training) and the gate `gyre test` shares with them.
export * from "./templates/index.js";
export { TAGS } from "./tracking.js";
export { createTrigger, dueTick, EVENT_PARAMS, parseCron, type TriggerDefinition } from "./triggers.js";
export { PipelineWorker, type WorkerOptions } from "./worker.js";
