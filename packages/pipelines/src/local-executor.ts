import { availableParallelism, totalmem } from "node:os";
import { type Sleep, withRetries, withTimeout } from "./attempts.js";
import type { StepDef } from "./definition.js";
import type { ExecuteHooks, Executor, StepTask } from "./executor.js";
import { ResourcePool } from "./resources.js";
import { runStepAttempt } from "./step-attempt.js";

export interface LocalExecutorOptions {
  /** CPU budget: steps run in parallel while their `resources.cpu` sum fits. Default: the cores. */
  maxParallel?: number;
  /** Memory budget in MiB for `resources.memoryMb`. Default: 80 % of the machine's memory. */
  memoryMb?: number;
  /** The environment shell steps start from. Default: this process's environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Waits between attempts (tests pass a recorder). */
  sleep?: Sleep;
  /** The compiled step-process.js for isolated function steps (default: next to this module). */
  stepProcessScript?: string;
}

/**
 * The default executor: function steps run in this process, shell steps as child processes,
 * as many at once as the CPU and memory budget allow.
 */
export class LocalExecutor implements Executor {
  readonly kind = "local";
  readonly remoteLogs = false;
  private readonly pool: ResourcePool;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(private readonly options: LocalExecutorOptions = {}) {
    const cpu = options.maxParallel ?? availableParallelism();
    if (!(cpu >= 1)) throw new RangeError(`maxParallel must be at least 1, got ${cpu}`);
    this.pool = new ResourcePool(cpu, options.memoryMb ?? Math.floor((totalmem() / 2 ** 20) * 0.8));
    // The edge may pass an environment; otherwise children inherit this process's, as spawn would.
    this.env = options.env ?? process.env;
  }

  async execute(step: StepDef, task: StepTask, hooks: ExecuteHooks): Promise<Record<string, unknown>> {
    const release = await this.pool.acquire(step.name, step.resources, hooks.signal);
    try {
      return await withRetries(
        step.name,
        step.policy,
        { signal: hooks.signal, log: hooks.log, onAttempt: hooks.onAttempt, sleep: this.options.sleep },
        (attempt) =>
          withTimeout(step.name, step.policy.timeoutMs, hooks.signal, (signal) =>
            runStepAttempt(step, task, {
              gyre: hooks.gyre,
              signal,
              attempt,
              log: hooks.log,
              baseEnv: this.env,
              stepProcessScript: this.options.stepProcessScript,
            }),
          ),
      );
    } finally {
      release();
    }
  }

  async close(): Promise<void> {}
}
