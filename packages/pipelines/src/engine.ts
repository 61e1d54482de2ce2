import { GyreError, type pipelines, tracking } from "@gyre/core";
import { attachRun, Gyre, PipelinesClient, type Run } from "@gyre/sdk";
import { type DigestResolver, stepCacheKey } from "./cache-key.js";
import type { PipelineDef, StepDef } from "./definition.js";
import type { EventListener, PipelineEvent } from "./events.js";
import { type Executor, errorText, StepCancelled, type StepTask } from "./executor.js";
import { resolveInputs } from "./inputs.js";
import { LocalExecutor } from "./local-executor.js";
import { LogWriter } from "./log-writer.js";
import { checkOutputs } from "./outputs.js";
import { paramTexts, resolveParams } from "./params.js";
import { inputParams, logDatasetInputs, outputTags, serverDigests, TAGS, uploadStepLog } from "./tracking.js";

export interface RunPipelineOptions {
  /** http(s) URL of the tracking server (shell steps and workers log there too). */
  trackingUri: string;
  /** A client for it; by default one is made from `trackingUri`. */
  gyre?: Gyre;
  /** Default: a LocalExecutor (in-process and child processes, parallel up to the cores). */
  executor?: Executor;
  /** Parameter values; text is parsed by the parameter's kind (as `--param k=v` gives it). */
  params?: Readonly<Record<string, unknown>>;
  /** Re-run every step even when its cache key has stored outputs. */
  noCache?: boolean;
  onEvent?: EventListener;
  /** MLflow experiment of the runs; default the pipeline's name. */
  experiment?: string;
  /** Absolute path of the module defining the pipeline; required by distributed executors. */
  module?: string;
  /** Aborting it cancels the run as `gyre pipelines cancel` does. */
  signal?: AbortSignal;
  /** Run an existing QUEUED run record (e.g. one a trigger created) instead of creating one. */
  pipelineRunId?: string;
  /**
   * Resume a run whose coordinator died: steps that finished keep their outputs, steps whose
   * queue jobs are still known are re-attached (a worker may have finished them meanwhile), the
   * rest run. Its parameters are the run's own.
   */
  resume?: string;
  /** How often the run record is checked for a cancel request; default 1000 ms. */
  cancelPollMs?: number;
  /** Resolves dataset and model URIs for cache keys; default through the tracking server. */
  digests?: DigestResolver;
}

export interface StepResult {
  status: pipelines.PipelineStepStatus;
  cached: boolean;
  outputs: Record<string, unknown> | undefined;
  /** The step's child MLflow run. */
  runId: string | undefined;
  error: string | undefined;
  attempts: number;
}

export interface PipelineResult {
  id: string;
  name: string;
  status: pipelines.PipelineRunStatus;
  /** The parent MLflow run. */
  runId: string;
  experimentId: string;
  steps: Record<string, StepResult>;
  error: string | undefined;
}

const DONE = new Set<pipelines.PipelineStepStatus>(["SUCCEEDED", "CACHED"]);

/**
 * Runs a pipeline to its end: records the run (so other processes see and can cancel it), makes
 * the parent MLflow run and one child run per step, starts each step when its inputs are ready,
 * reuses cached outputs, and resolves with every step's result. A failed step skips the steps
 * that need it; independent branches still run. Rejects only when the tracking server fails.
 */
export async function runPipeline(def: PipelineDef, options: RunPipelineOptions): Promise<PipelineResult> {
  const executor = options.executor ?? new LocalExecutor();
  try {
    return await new PipelineRunner(def, options, executor).run();
  } finally {
    if (!options.executor) await executor.close();
  }
}

class PipelineRunner {
  private readonly gyre: Gyre;
  private readonly store: PipelinesClient;
  private readonly results = new Map<string, StepResult>();
  private readonly outputs = new Map<string, Record<string, unknown>>();
  private readonly cancel = new AbortController();
  private readonly emit: (event: PipelineEvent) => void;
  private params: Record<string, unknown> = {};
  /** The step records of a resumed run. */
  private previous = new Map<string, pipelines.PipelineStep>();
  private id = "";
  private parent: Run | undefined;

  constructor(
    private readonly def: PipelineDef,
    private readonly options: RunPipelineOptions,
    private readonly executor: Executor,
  ) {
    this.gyre = options.gyre ?? new Gyre({ trackingUri: options.trackingUri });
    this.store = new PipelinesClient(this.gyre.client);
    const listener = options.onEvent;
    this.emit = (event) => {
      try {
        listener?.(event);
      } catch {
        // A listener's mistake must not stop the pipeline.
      }
    };
  }

  async run(): Promise<PipelineResult> {
    if (this.executor.kind !== "local" && !this.options.module) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `The ${this.executor.kind} executor needs the pipeline's module path (option 'module') so workers can import it.`,
      );
    }
    const record = this.options.resume === undefined ? await this.createRecord() : await this.resumeRecord();
    this.id = record.id;
    const stopWatching = this.watchForCancel();
    let failure: unknown;
    try {
      this.parent =
        record.run_id !== undefined
          ? await attachRun(this.gyre, record.run_id)
          : await this.gyre.startRun({
              experiment: this.options.experiment ?? this.def.name,
              name: this.def.name,
              tags: {
                [TAGS.pipeline]: this.def.name,
                [TAGS.pipelineRunId]: this.id,
                [TAGS.executor]: this.executor.kind,
                ...(record.trigger ? { "gyre.pipeline.trigger": record.trigger } : {}),
              },
              params: inputParams(this.params),
            });
      await this.store.updateRun({
        id: this.id,
        status: "RUNNING",
        run_id: this.parent.id,
        experiment_id: this.parent.experimentId,
      });
      this.emit({
        type: "pipeline",
        id: this.id,
        name: this.def.name,
        status: "RUNNING",
        runId: this.parent.id,
      });
      await this.schedule();
    } catch (error) {
      failure = error;
    } finally {
      stopWatching();
    }
    return this.finish(failure);
  }

  /** The record of a run to resume: same pipeline and steps, not ended. */
  private async resumeRecord(): Promise<pipelines.PipelineRun> {
    const id = this.options.resume ?? "";
    if (this.options.pipelineRunId !== undefined) {
      throw new GyreError("INVALID_PARAMETER_VALUE", "Give either 'resume' or 'pipelineRunId', not both.");
    }
    const record = await this.store.getRun(id);
    if (record.name !== this.def.name) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Pipeline run '${id}' belongs to pipeline '${record.name}', not '${this.def.name}'.`,
      );
    }
    if (record.status !== "RUNNING" && record.status !== "QUEUED") {
      throw new GyreError(
        "INVALID_STATE",
        `Pipeline run '${id}' has ended (${record.status}); start a new run instead.`,
      );
    }
    const recorded = record.steps.map((s) => s.name).join(",");
    if (record.steps.length > 0 && recorded !== this.def.steps.map((s) => s.name).join(",")) {
      throw new GyreError(
        "INVALID_STATE",
        `Pipeline run '${id}' was started with other steps (${record.steps.map((s) => s.name).join(", ")}); the pipeline changed since.`,
      );
    }
    this.params = resolveParams(this.def, record.params);
    if (record.steps.length === 0) {
      return this.store.updateRun({
        id,
        steps: this.def.steps.map((s) => ({ name: s.name, depends_on: [...s.dependsOn] })),
      });
    }
    this.previous = new Map(record.steps.map((s) => [s.name, s]));
    return record;
  }

  private async createRecord(): Promise<pipelines.PipelineRun> {
    this.params = resolveParams(this.def, this.options.params);
    const steps = this.def.steps.map((s) => ({ name: s.name, depends_on: [...s.dependsOn] }));
    const fields = {
      executor: this.executor.kind,
      module: this.options.module,
      params: paramTexts(this.params),
      steps,
    };
    if (this.options.pipelineRunId === undefined)
      return this.store.createRun({ name: this.def.name, ...fields });
    const existing = await this.store.getRun(this.options.pipelineRunId);
    if (existing.name !== this.def.name) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Pipeline run '${existing.id}' belongs to pipeline '${existing.name}', not '${this.def.name}'.`,
      );
    }
    // The record keeps what the trigger recorded about its event beside the pipeline's parameters.
    return this.store.updateRun({
      id: existing.id,
      ...fields,
      params: { ...existing.params, ...fields.params },
    });
  }

  /** Polls the run record for a cancel request; the caller's signal cancels too. */
  private watchForCancel(): () => void {
    const onAbort = () => this.cancel.abort(new Error("cancelled"));
    this.options.signal?.addEventListener("abort", onAbort, { once: true });
    if (this.options.signal?.aborted) onAbort();
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.cancel.signal.aborted) return;
      busy = true;
      this.store
        .getRun(this.id)
        .then((run) => {
          if (run.cancel_requested) onAbort();
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, this.options.cancelPollMs ?? 1000);
    return () => {
      clearInterval(timer);
      this.options.signal?.removeEventListener("abort", onAbort);
    };
  }

  /** Starts every step whose dependencies are done; skips those whose dependencies failed. */
  private async schedule(): Promise<void> {
    const running = new Map<string, Promise<void>>();
    const pending = new Set(this.def.steps.map((s) => s.name));
    const follower = this.executor.remoteLogs ? this.followLogs() : undefined;
    for (const step of this.def.steps) {
      const before = this.previous.get(step.name);
      if (!before?.outputs || (before.status !== "SUCCEEDED" && before.status !== "CACHED")) continue;
      // Finished before the coordinator stopped: its outputs stand.
      pending.delete(step.name);
      this.outputs.set(step.name, before.outputs);
      this.results.set(step.name, {
        status: before.status,
        cached: before.status === "CACHED",
        outputs: before.outputs,
        runId: before.run_id,
        error: undefined,
        attempts: before.attempt,
      });
      this.emit({
        type: "step",
        step: step.name,
        status: before.status,
        attempt: before.attempt,
        runId: before.run_id,
      });
    }
    try {
      while (pending.size > 0 || running.size > 0) {
        for (const step of this.def.steps) {
          if (!pending.has(step.name)) continue;
          if (this.cancel.signal.aborted) {
            pending.delete(step.name);
            await this.settle(step, "CANCELLED", { error: "the pipeline was cancelled" });
            continue;
          }
          const states = step.dependsOn.map((d) => this.results.get(d)?.status);
          if (states.some((s) => s !== undefined && !DONE.has(s))) {
            pending.delete(step.name);
            const blocking = step.dependsOn
              .map((d) => [d, this.results.get(d)?.status] as const)
              .filter(([, s]) => s !== undefined && !DONE.has(s));
            await this.settle(step, "SKIPPED", {
              error: `needs ${blocking.map(([d, s]) => `'${d}' (${s})`).join(", ")}`,
            });
            continue;
          }
          if (states.every((s) => s !== undefined && DONE.has(s))) {
            pending.delete(step.name);
            running.set(
              step.name,
              this.runStep(step).finally(() => running.delete(step.name)),
            );
          }
        }
        if (running.size > 0) await Promise.race(running.values());
        else if (pending.size > 0 && !this.cancel.signal.aborted) {
          // Nothing runs and nothing can start: only possible if a dependency is unknown.
          throw new GyreError("INTERNAL_ERROR", `Steps ${[...pending].join(", ")} can never start.`);
        }
      }
    } finally {
      await follower?.stop();
    }
  }

  private async runStep(step: StepDef): Promise<void> {
    const started = Date.now();
    const inputs = resolveInputs(step, this.params, this.outputs);
    const digests = this.options.digests ?? serverDigests(this.gyre);
    let attempts = 0;
    let run: Run | undefined;
    let logs: LogWriter | undefined;
    const before = this.previous.get(step.name);
    try {
      // A step whose queue job outlived the coordinator is re-attached: same job, same run.
      const reattach = before?.job_id !== undefined && before.run_id !== undefined ? before : undefined;
      if (before?.run_id !== undefined && !reattach) {
        await this.gyre.client
          .call(tracking.updateRun, { run_id: before.run_id, status: "KILLED", end_time: Date.now() })
          .catch(() => undefined);
      }
      const key = reattach
        ? reattach.cache_key
        : step.cache
          ? await stepCacheKey(this.def.name, step, inputs, digests)
          : undefined;
      if (
        !reattach &&
        key !== undefined &&
        !this.options.noCache &&
        (await this.reuse(step, key, inputs, started))
      )
        return;
      run =
        reattach?.run_id !== undefined
          ? await attachRun(this.gyre, reattach.run_id)
          : await this.startStepRun(step, inputs, key ? { [TAGS.cacheKey]: key } : {});
      if (!reattach) await logDatasetInputs(this.gyre, run, step, inputs);
      await this.store.updateStep({
        id: this.id,
        step: step.name,
        run_id: run.id,
        ...(key ? { cache_key: key } : {}),
      });
      const writer = new LogWriter(this.store, this.id, step.name, () => undefined);
      logs = writer;
      const stepRun = run;
      const task: StepTask = {
        pipeline: this.def.name,
        pipelineRunId: this.id,
        step: step.name,
        module: this.options.module,
        inputs,
        params: this.params,
        trackingUri: this.options.trackingUri,
        stepRunId: stepRun.id,
        experimentId: stepRun.experimentId,
        ...(reattach?.job_id !== undefined ? { jobId: reattach.job_id } : {}),
      };
      const outputs = await this.executor.execute(step, task, {
        signal: this.cancel.signal,
        gyre: this.gyre,
        log: (line) => {
          writer.write(line);
          this.emit({ type: "log", step: step.name, line, timestamp: Date.now() });
        },
        onAttempt: (attempt) => {
          attempts = attempt;
          const status = attempt === 1 ? "RUNNING" : "RETRYING";
          void this.store
            .updateStep({ id: this.id, step: step.name, status, attempt })
            .catch(() => undefined);
          this.emit({ type: "step", step: step.name, status, attempt, runId: stepRun.id });
        },
        onJob: (jobId) => {
          void this.store.updateStep({ id: this.id, step: step.name, job_id: jobId }).catch(() => undefined);
        },
      });
      await writer.flush();
      await uploadStepLog(this.store, stepRun, this.id, step.name);
      await stepRun.setTags({ ...outputTags(outputs), [TAGS.attempts]: String(attempts) });
      await stepRun.end("FINISHED");
      if (key !== undefined) {
        await this.store.putCache({
          key,
          pipeline: this.def.name,
          step: step.name,
          outputs,
          run_id: stepRun.id,
        });
      }
      this.outputs.set(step.name, outputs);
      await this.settle(step, "SUCCEEDED", { outputs, runId: stepRun.id, attempts, started });
    } catch (error) {
      const cancelled = error instanceof StepCancelled || this.cancel.signal.aborted;
      const message = cancelled ? "the pipeline was cancelled" : errorText(error);
      await logs?.flush();
      if (run) {
        const failedRun = run;
        await uploadStepLog(this.store, failedRun, this.id, step.name).catch(() => undefined);
        await failedRun
          .setTags({ [TAGS.error]: message.slice(0, 8000), [TAGS.attempts]: String(attempts) })
          .catch(() => undefined);
        await failedRun.end(cancelled ? "KILLED" : "FAILED").catch(() => undefined);
      }
      await this.settle(step, cancelled ? "CANCELLED" : "FAILED", {
        error: message,
        runId: run?.id,
        attempts,
        started,
      });
    }
  }

  /** A cache hit: the stored outputs become this step's, recorded in a child run tagged cached. */
  private async reuse(
    step: StepDef,
    key: string,
    inputs: Record<string, unknown>,
    started: number,
  ): Promise<boolean> {
    const entry = await this.store.getCache(key);
    if (!entry) return false;
    let outputs: Record<string, unknown>;
    try {
      outputs = checkOutputs(step, entry.outputs);
    } catch {
      return false;
    }
    const run = await this.startStepRun(step, inputs, {
      [TAGS.cacheKey]: key,
      [TAGS.cached]: "true",
      ...(entry.run_id ? { [TAGS.cachedFrom]: entry.run_id } : {}),
      ...outputTags(outputs),
    });
    await logDatasetInputs(this.gyre, run, step, inputs);
    await run.end("FINISHED");
    this.outputs.set(step.name, outputs);
    await this.store.updateStep({
      id: this.id,
      step: step.name,
      run_id: run.id,
      cache_key: key,
      ...(entry.run_id ? { cached_from: entry.run_id } : {}),
    });
    await this.settle(step, "CACHED", { outputs, runId: run.id, attempts: 0, started });
    return true;
  }

  /** A step's child run: tagged with the pipeline, run and step, its inputs as params. */
  private startStepRun(
    step: StepDef,
    inputs: Record<string, unknown>,
    tags: Record<string, string>,
  ): Promise<Run> {
    return this.requireParent().startChildRun({
      name: step.name,
      tags: {
        [TAGS.pipeline]: this.def.name,
        [TAGS.pipelineRunId]: this.id,
        [TAGS.step]: step.name,
        [TAGS.stepType]: step.type,
        ...tags,
      },
      params: inputParams(inputs),
    });
  }

  private async settle(
    step: StepDef,
    status: pipelines.PipelineStepStatus,
    detail: {
      outputs?: Record<string, unknown>;
      runId?: string;
      error?: string;
      attempts?: number;
      started?: number;
    },
  ): Promise<void> {
    this.results.set(step.name, {
      status,
      cached: status === "CACHED",
      outputs: detail.outputs,
      runId: detail.runId,
      error: detail.error,
      attempts: detail.attempts ?? 0,
    });
    await this.store.updateStep({
      id: this.id,
      step: step.name,
      status,
      ...(detail.outputs ? { outputs: detail.outputs } : {}),
      ...(detail.error ? { error: detail.error } : {}),
    });
    this.emit({
      type: "step",
      step: step.name,
      status,
      attempt: detail.attempts ?? 0,
      runId: detail.runId,
      error: detail.error,
      durationMs: detail.started === undefined ? undefined : Date.now() - detail.started,
    });
  }

  /** For executors whose steps log elsewhere: the run's log lines, read back and emitted. */
  private followLogs(): { stop(): Promise<void> } {
    let after = 0;
    let stopped = false;
    const poll = async () => {
      const lines = await this.store.getLogs(this.id, { after }).catch(() => []);
      for (const line of lines) {
        after = line.seq;
        this.emit({ type: "log", step: line.step, line: line.text, timestamp: line.timestamp });
      }
      return lines.length;
    };
    const loop = (async () => {
      while (!stopped) {
        if ((await poll()) === 0) await new Promise((r) => setTimeout(r, 300));
      }
      while ((await poll()) > 0) {}
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  private requireParent(): Run {
    if (!this.parent) throw new GyreError("INTERNAL_ERROR", "The pipeline's run has not started.");
    return this.parent;
  }

  private async finish(failure: unknown): Promise<PipelineResult> {
    const statuses = [...this.results.values()].map((r) => r.status);
    const cancelled = this.cancel.signal.aborted;
    let status: pipelines.PipelineRunStatus = cancelled
      ? "CANCELLED"
      : failure !== undefined || statuses.some((s) => s === "FAILED" || s === "SKIPPED")
        ? "FAILED"
        : "SUCCEEDED";
    const failedSteps = [...this.results.entries()].filter(([, r]) => r.status === "FAILED").map(([n]) => n);
    const error =
      failure !== undefined
        ? errorText(failure)
        : failedSteps.length > 0
          ? `step${failedSteps.length > 1 ? "s" : ""} ${failedSteps.map((s) => `'${s}'`).join(", ")} failed`
          : undefined;
    await this.parent?.end(
      status === "SUCCEEDED" ? "FINISHED" : status === "CANCELLED" ? "KILLED" : "FAILED",
    );
    try {
      await this.store.updateRun({ id: this.id, status, ...(error ? { error } : {}) });
    } catch (updateError) {
      // Someone ended the record first (`gyre pipelines cancel --force`): its status stands.
      if (!(updateError instanceof GyreError && updateError.code === "INVALID_STATE")) throw updateError;
      status = (await this.store.getRun(this.id)).status;
    }
    this.emit({ type: "pipeline", id: this.id, name: this.def.name, status, runId: this.parent?.id, error });
    if (failure !== undefined && this.parent === undefined) throw failure;
    return {
      id: this.id,
      name: this.def.name,
      status,
      runId: this.parent?.id ?? "",
      experimentId: this.parent?.experimentId ?? "",
      steps: Object.fromEntries(
        this.def.steps.map((s) => [s.name, this.results.get(s.name) ?? emptyResult()]),
      ),
      error,
    };
  }
}

function emptyResult(): StepResult {
  return {
    status: "PENDING",
    cached: false,
    outputs: undefined,
    runId: undefined,
    error: undefined,
    attempts: 0,
  };
}
