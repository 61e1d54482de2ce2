import type { MonitorStore } from "./monitor-store.js";
import { specOf } from "./monitor-store.js";
import type { MonitoringLogger } from "./notifier.js";
import { nextRunAfter } from "./schedule.js";

export interface SchedulerOptions {
  /** How often due monitors are looked for. */
  readonly pollMs: number;
  /** How often retention and compaction run (0: never). */
  readonly maintenanceMs: number;
  readonly now: () => number;
}

/**
 * Runs scheduled monitors: every poll, monitors whose `next_run_time` has passed are claimed with
 * a conditional UPDATE (so of several servers sharing a store exactly one runs each point) and
 * evaluated over the window ending at their scheduled time, one at a time. Missed runs (the
 * server was down) are not replayed: the claim moves straight to the next time after now.
 * Maintenance (retention, compaction) runs on its own timer.
 */
export class MonitorScheduler {
  private timer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly monitors: MonitorStore,
    private readonly run: (name: string, end: number) => Promise<unknown>,
    private readonly maintenance: () => Promise<void>,
    private readonly logger: () => MonitoringLogger,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
    if (this.options.maintenanceMs > 0) {
      this.maintenanceTimer = setInterval(() => void this.maintain(), this.options.maintenanceMs);
      this.maintenanceTimer.unref();
    }
  }

  /** One pass over the due monitors (also what the timer calls); resolves when it is done. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.maintenanceTimer);
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      const now = this.options.now();
      for (const row of await this.monitors.due(now)) {
        if (this.stopped) return;
        const due = Number(row.next_run_time);
        const schedule = specOf(row).schedule;
        const next = schedule === undefined ? null : nextRunAfter(schedule, Math.max(due, now));
        if (!(await this.monitors.claim(row.name, due, next))) continue;
        try {
          await this.run(row.name, due);
        } catch (error) {
          this.logger().error({ monitor: row.name, error: String(error) }, "scheduled monitor run failed");
        }
      }
    } catch (error) {
      this.logger().error({ error: String(error) }, "monitor scheduler pass failed");
    }
  }

  private async maintain(): Promise<void> {
    try {
      await this.maintenance();
    } catch (error) {
      this.logger().error({ error: String(error) }, "prediction store maintenance failed");
    }
  }
}
