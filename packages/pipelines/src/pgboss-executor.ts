import type PgBoss from "pg-boss";
import type { StepDef } from "./definition.js";
import { type ExecuteHooks, type Executor, StepCancelled, type StepTask } from "./executor.js";
import { openQueue, type QueueOptions, type StepJob, type StepJobResult } from "./queue.js";

export interface PgBossExecutorOptions extends QueueOptions {
  /** How often the coordinator reads its jobs' states; default 250 ms. */
  pollMs?: number;
  /**
   * A job whose worker goes silent is failed over after the step's timeout plus this grace (or
   * after `defaultExpireSeconds` for steps without a timeout); default 30 s.
   */
  expireGraceSeconds?: number;
  /** Expiry of steps without a timeout; default 15 minutes. */
  defaultExpireSeconds?: number;
  /** Extra deliveries allowed for attempts lost with their worker (killed, machine gone); default 2. */
  lostAttemptRetries?: number;
}

/**
 * Distributed executor: each step becomes a pg-boss job in PostgreSQL, executed by `gyre worker`
 * processes anywhere. A worker that dies mid-step leaves its job active until it expires (the
 * step's timeout plus a grace), and then pg-boss hands it to another worker. Step failures
 * are retried by pg-boss with exponential backoff. Jobs are rows in PostgreSQL: a coordinator that
 * restarts finds its steps' jobs by id (recorded with the step) and their results are kept.
 */
export class PgBossExecutor implements Executor {
  readonly kind = "postgres";
  readonly remoteLogs = true;

  private constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly options: PgBossExecutorOptions,
  ) {}

  static async start(options: PgBossExecutorOptions): Promise<PgBossExecutor> {
    const { boss, queue } = await openQueue(options);
    return new PgBossExecutor(boss, queue, options);
  }

  async execute(step: StepDef, task: StepTask, hooks: ExecuteHooks): Promise<Record<string, unknown>> {
    if (hooks.signal.aborted) throw new StepCancelled(step.name);
    const jobId = task.jobId ?? (await this.send(step, task));
    hooks.onJob?.(jobId);
    return this.await(step, jobId, hooks);
  }

  private async send(step: StepDef, task: StepTask): Promise<string> {
    if (!task.module)
      throw new Error(`step '${step.name}': the postgres executor needs the pipeline's module path`);
    const grace = this.options.expireGraceSeconds ?? 30;
    const expireInSeconds =
      step.policy.timeoutMs === undefined
        ? (this.options.defaultExpireSeconds ?? 15 * 60)
        : Math.ceil(step.policy.timeoutMs / 1000) + grace;
    const data: StepJob = {
      pipeline: task.pipeline,
      step: step.name,
      module: task.module,
      task: { ...task, jobId: undefined },
      retries: step.policy.retries,
    };
    const id = await this.boss.send(this.queue, data as unknown as object, {
      retryLimit: step.policy.retries + (this.options.lostAttemptRetries ?? 2),
      retryDelay: Math.max(1, Math.round(step.policy.backoffMs / 1000)),
      retryBackoff: true,
      expireInSeconds,
    });
    if (!id) throw new Error(`step '${step.name}': the queue refused the job`);
    return id;
  }

  /** Polls the job until it ends; a cancelled pipeline cancels it (its worker then kills the step). */
  private async await(step: StepDef, jobId: string, hooks: ExecuteHooks): Promise<Record<string, unknown>> {
    const pollMs = this.options.pollMs ?? 250;
    let reported = 0;
    for (;;) {
      if (hooks.signal.aborted) {
        await this.boss.cancel(this.queue, jobId).catch(() => undefined);
        throw new StepCancelled(step.name);
      }
      const job = await this.boss.getJobById(this.queue, jobId);
      if (!job) throw new Error(`step '${step.name}': its job ${jobId} is gone from the queue`);
      if (job.state === "active" && job.retryCount + 1 > reported) {
        reported = job.retryCount + 1;
        hooks.onAttempt(reported);
      }
      if (job.state === "completed") {
        const result = job.output as StepJobResult | null;
        if (result?.outcome === "succeeded") return result.outputs;
        if (result?.outcome === "cancelled") throw new StepCancelled(step.name);
        throw new Error(
          result?.outcome === "failed" ? result.error : `step '${step.name}' ended without a result`,
        );
      }
      if (job.state === "failed") throw new Error(failureText(step.name, job.output));
      if (job.state === "cancelled") throw new StepCancelled(step.name);
      await sleep(pollMs, hooks.signal);
    }
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, close: true, wait: true });
  }
}

/** pg-boss stores a thrown error as `{message, …}` or a value as `{value}`. */
function failureText(step: string, output: unknown): string {
  const record = (output ?? {}) as { message?: unknown; value?: { message?: unknown } | unknown };
  if (typeof record.message === "string") return record.message;
  const value = record.value as { message?: unknown } | undefined;
  if (value && typeof value === "object" && typeof value.message === "string") {
    return `step '${step}': ${value.message}`;
  }
  return `step '${step}' failed in the queue`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
