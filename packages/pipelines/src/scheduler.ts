import type { pipelines } from "@gyre/core";
import type { AllowedDirectories } from "@gyre/core/paths";
import { Gyre, PipelinesClient } from "@gyre/sdk";
import { type PipelineResult, runPipeline } from "./engine.js";
import { type Executor, errorText } from "./executor.js";
import { loadPipelineModule } from "./module-loader.js";
import { dueTick, parseCron } from "./triggers.js";

export type SchedulerEvent =
  | { type: "fired"; trigger: string; eventKey: string; pipelineRunId: string }
  | { type: "finished"; trigger: string; pipelineRunId: string; status: pipelines.PipelineRunStatus }
  | { type: "error"; trigger: string; message: string };

export interface SchedulerOptions {
  /** http(s) URL of the tracking server. */
  trackingUri: string;
  gyre?: Gyre;
  /** The executor a fired run uses, by the trigger's executor kind ("local", "postgres"). */
  executorFor(kind: string): Executor | Promise<Executor>;
  /** Time between polling passes; default 5000 ms. */
  pollMs?: number;
  onEvent?: (event: SchedulerEvent) => void;
  now?: () => number;
  /** Where triggers' modules must lie (`--allowed-modules`); default anywhere. */
  allowedModules?: AllowedDirectories;
}

/**
 * Polls every trigger, fires each new event, and runs the pipelines it fires. Firing is one
 * server-side transaction keyed by (trigger, event), so any number of schedulers may run at once:
 * for each event exactly one of them gets the run (the others are told it already fired).
 */
export class Scheduler {
  private readonly gyre: Gyre;
  private readonly store: PipelinesClient;
  private readonly running = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private passing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SchedulerOptions) {
    this.gyre = options.gyre ?? new Gyre({ trackingUri: options.trackingUri });
    this.store = new PipelinesClient(this.gyre.client);
  }

  /** One polling pass; resolves with the ids of the runs this scheduler fired (their runs go on). */
  async tick(): Promise<string[]> {
    const fired: string[] = [];
    for (const trigger of await this.store.listTriggers()) {
      try {
        for (const event of await this.events(trigger)) {
          const run = await this.store.fireTrigger(trigger.name, event);
          if (!run) continue;
          fired.push(run.id);
          this.emit({ type: "fired", trigger: trigger.name, eventKey: event.key, pipelineRunId: run.id });
          this.track(trigger, run);
        }
      } catch (error) {
        this.emit({ type: "error", trigger: trigger.name, message: errorText(error) });
      }
    }
    return fired;
  }

  /** Polls every `pollMs` until stopped. */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.passing = this.tick()
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.options.pollMs ?? 5000);
        });
    };
    loop();
  }

  /** Stops polling and waits for the runs it started. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.passing;
    await this.idle();
  }

  /** Resolves when every run this scheduler started has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async events(trigger: pipelines.PipelineTrigger): Promise<pipelines.TriggerEvent[]> {
    if (trigger.spec.kind !== "cron") return this.store.pollTrigger(trigger.name);
    const now = (this.options.now ?? Date.now)();
    const tick = dueTick(parseCron(trigger.spec.cron, trigger.spec.timezone), trigger.cursor, now);
    if (tick === undefined) return [];
    const time = new Date(tick).toISOString();
    return [{ key: `cron:${time}`, cursor: tick, params: { trigger_time: time } }];
  }

  private track(trigger: pipelines.PipelineTrigger, run: pipelines.PipelineRun): void {
    const job = this.runFired(trigger, run).then(
      (result) =>
        this.emit({ type: "finished", trigger: trigger.name, pipelineRunId: run.id, status: result.status }),
      async (error: unknown) => {
        const message = errorText(error);
        await this.store.updateRun({ id: run.id, status: "FAILED", error: message }).catch(() => undefined);
        this.emit({ type: "error", trigger: trigger.name, message: `run ${run.id}: ${message}` });
      },
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  private async runFired(
    trigger: pipelines.PipelineTrigger,
    run: pipelines.PipelineRun,
  ): Promise<PipelineResult> {
    const { def, module } = await loadPipelineModule(
      trigger.module,
      trigger.pipeline,
      this.options.allowedModules,
    );
    const declared = new Set(def.params.map((p) => p.name));
    const params = Object.fromEntries(Object.entries(run.params).filter(([name]) => declared.has(name)));
    const executor = await this.options.executorFor(trigger.executor);
    return runPipeline(def, {
      trackingUri: this.options.trackingUri,
      gyre: this.gyre,
      executor,
      module,
      params,
      pipelineRunId: run.id,
    });
  }

  private emit(event: SchedulerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's mistake must not stop the scheduler.
    }
  }
}
