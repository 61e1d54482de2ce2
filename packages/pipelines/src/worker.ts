import { hostname } from "node:os";
import type { AllowedDirectories } from "@gyre/core/paths";
import { Gyre, PipelinesClient } from "@gyre/sdk";
import type PgBoss from "pg-boss";
import { withTimeout } from "./attempts.js";
import type { PipelineDef } from "./definition.js";
import { errorText, StepCancelled } from "./executor.js";
import { LogWriter } from "./log-writer.js";
import { loadPipelineModule } from "./module-loader.js";
import { openQueue, type QueueOptions, type StepJob, type StepJobResult } from "./queue.js";
import { runStepAttempt } from "./step-attempt.js";

export interface WorkerOptions extends QueueOptions {
  /** Steps this worker runs at once; default 1. */
  concurrency?: number;
  /** How often an idle worker asks for a job, in seconds (at least 0.5); default 1. */
  pollingIntervalSeconds?: number;
  /** Log to this tracking server instead of the one each job names. */
  trackingUri?: string;
  /** The environment shell steps start from. */
  env: Readonly<Record<string, string | undefined>>;
  /** The worker's own report: one line per step attempt started and ended, and step log lines. */
  report?: (line: string) => void;
  /** How often a running step's job is checked for cancellation; default 1000 ms. */
  cancelPollMs?: number;
  /** Where jobs' modules must lie (`--allowed-modules`); default anywhere. */
  allowedModules?: AllowedDirectories;
}

/**
 * A `gyre worker`: takes step jobs from the PostgreSQL queue, imports the pipeline module the job
 * names, runs the step (one attempt per delivery) with its logs going to the tracking server, and
 * completes the job with the step's outputs. A step failure with retries left is thrown back to
 * pg-boss, which redelivers it after the backoff; a cancelled job aborts the running step.
 */
export class PipelineWorker {
  private readonly modules = new Map<string, Promise<PipelineDef>>();
  readonly name = `${hostname()}:${process.pid}`;

  private constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly options: WorkerOptions,
  ) {}

  static async start(options: WorkerOptions): Promise<PipelineWorker> {
    const { boss, queue } = await openQueue(options);
    const worker = new PipelineWorker(boss, queue, options);
    const concurrency = options.concurrency ?? 1;
    for (let i = 0; i < concurrency; i++) {
      await boss.work<StepJob>(
        queue,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
        async ([job]) => (job ? worker.handle(job) : undefined),
      );
    }
    return worker;
  }

  /** Stops taking jobs; running steps get `graceMs` to finish, then their jobs are failed over to a retry. */
  async stop(graceMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful: true, close: true, wait: true, timeout: graceMs });
  }

  private load(job: StepJob): Promise<PipelineDef> {
    const key = `${job.module}\n${job.pipeline}`;
    let loaded = this.modules.get(key);
    if (!loaded) {
      loaded = loadPipelineModule(job.module, job.pipeline, this.options.allowedModules).then((l) => l.def);
      loaded.catch(() => this.modules.delete(key));
      this.modules.set(key, loaded);
    }
    return loaded;
  }

  private async handle(job: PgBoss.JobWithMetadata<StepJob>): Promise<StepJobResult> {
    const { data } = job;
    const attempt = job.retryCount + 1;
    const task = data.task;
    const gyre = new Gyre({ trackingUri: this.options.trackingUri ?? task.trackingUri });
    const store = new PipelinesClient(gyre.client);
    const emit = this.options.report;
    const report = (line: string) => emit?.(`${new Date().toISOString()} ${line}`);
    const label = `${task.pipelineRunId}/${data.step}`;
    const logs = new LogWriter(store, task.pipelineRunId, data.step, (error) =>
      report(`${label}: could not send log lines: ${errorText(error)}`),
    );
    const log = (line: string) => {
      logs.write(line);
      report(`[${label}] ${line}`);
    };
    const controller = new AbortController();
    const watch = setInterval(() => {
      this.boss
        .getJobById(this.queue, job.id)
        .then((current) => {
          if (current?.state === "cancelled") controller.abort(new StepCancelled(data.step));
        })
        .catch(() => undefined);
    }, this.options.cancelPollMs ?? 1000);
    // pg-boss gives up on the job when it expires (and redelivers it); the step must not go on
    // running beside its retry.
    const expiry = setTimeout(
      () => controller.abort(new Error(`the job expired after ${job.expireInSeconds} s`)),
      Number(job.expireInSeconds) * 1000,
    );
    report(`${label}: attempt ${attempt} started on ${this.name}`);
    try {
      const step = (await this.load(data)).step(data.step);
      log(`attempt ${attempt} on worker ${this.name}`);
      const outputs = await withTimeout(step.name, step.policy.timeoutMs, controller.signal, (signal) =>
        runStepAttempt(step, task, { gyre, signal, attempt, log, baseEnv: this.options.env }),
      );
      report(`${label}: attempt ${attempt} succeeded`);
      return { outcome: "succeeded", outputs };
    } catch (error) {
      if (controller.signal.aborted) {
        const reason = errorText(controller.signal.reason);
        report(`${label}: stopped: ${reason}`);
        if (controller.signal.reason instanceof StepCancelled) return { outcome: "cancelled" };
        throw controller.signal.reason;
      }
      const message = errorText(error);
      // Deliveries lost with a worker count as attempts too; a step failure only retries while
      // the step's own retries last.
      if (attempt > data.retries) {
        log(`attempt ${attempt} failed: ${message}`);
        report(`${label}: attempt ${attempt} failed for good: ${message}`);
        return { outcome: "failed", error: message };
      }
      log(`attempt ${attempt} failed: ${message}; retrying`);
      report(`${label}: attempt ${attempt} failed, pg-boss retries it: ${message}`);
      throw error;
    } finally {
      clearInterval(watch);
      clearTimeout(expiry);
      await logs.flush();
    }
  }
}
