/**
 * Runs `sync` every `intervalMs` until stopped: one timeout per round rather than an interval,
 * so a slow round (a model download) never overlaps the next one.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly sync: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sync()
        // sync records each deployment's problem in its status; nothing else may escape here.
        .catch(() => undefined)
        .finally(() => {
          this.running = undefined;
          this.start();
        });
    }, this.intervalMs);
    // A poller alone must not keep a process alive.
    this.timer.unref();
  }

  /** Stops polling; waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
