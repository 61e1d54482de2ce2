import type { PipelinesClient } from "@gyre/sdk";

const FLUSH_INTERVAL_MS = 250;
const MAX_BATCH = 500;

/**
 * Sends a step's log lines to the tracking server in batches (every 250 ms or 500 lines), in
 * order, one request at a time. A failed send is reported to `onError` and the lines are dropped
 * rather than failing the step.
 */
export class LogWriter {
  private buffer: { text: string; timestamp: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PipelinesClient,
    private readonly pipelineRunId: string,
    private readonly step: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  write(text: string): void {
    this.buffer.push({ text, timestamp: Date.now() });
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Resolves when every line written so far has been sent (or has failed to be). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    if (lines.length > 0) {
      this.sending = this.sending.then(() =>
        this.store.appendLogs(this.pipelineRunId, this.step, lines).catch(this.onError),
      );
    }
    return this.sending;
  }
}
