import type { PipelineEvent } from "@gyre/pipelines";
import { formatDuration } from "../format/values.js";

export interface ViewSink {
  write(text: string): void;
  /** Whether the output is a terminal: the live view needs one to redraw in place. */
  readonly isTTY: boolean;
}

interface StepLine {
  status: string;
  attempt: number;
  started: number | undefined;
  durationMs: number | undefined;
  error: string | undefined;
}

const MARKS: Record<string, string> = {
  PENDING: "·",
  RUNNING: "▶",
  RETRYING: "↻",
  SUCCEEDED: "✓",
  CACHED: "≡",
  FAILED: "✗",
  SKIPPED: "-",
  CANCELLED: "■",
};
const REDRAW_MS = 100;

/**
 * The live view of `gyre pipelines run`. On a terminal: one status line per step, redrawn in
 * place, with log lines scrolling above them. Elsewhere (CI, files): a plain line per event.
 */
export class PipelineView {
  private readonly steps = new Map<string, StepLine>();
  private drawnLines = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: ViewSink,
    stepNames: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    for (const name of stepNames) {
      this.steps.set(name, {
        status: "PENDING",
        attempt: 0,
        started: undefined,
        durationMs: undefined,
        error: undefined,
      });
    }
  }

  readonly handle = (event: PipelineEvent): void => {
    if (event.type === "pipeline") {
      if (!this.sink.isTTY) this.sink.write(`pipeline ${event.name} ${event.id}: ${event.status}\n`);
      return;
    }
    if (event.type === "log") {
      this.above(`[${event.step}] ${event.line}\n`);
      return;
    }
    const line = this.steps.get(event.step);
    if (!line) return;
    if (event.status === "RUNNING" && line.started === undefined) line.started = this.now();
    line.status = event.status;
    line.attempt = event.attempt;
    line.durationMs = event.durationMs;
    line.error = event.error;
    if (!this.sink.isTTY) {
      const detail = [
        event.attempt > 1 ? `attempt ${event.attempt}` : "",
        event.durationMs !== undefined ? `in ${formatDuration(event.durationMs)}` : "",
        event.error ?? "",
      ].filter((s) => s !== "");
      this.sink.write(`[${event.step}] ${event.status}${detail.length ? ` ${detail.join(", ")}` : ""}\n`);
      return;
    }
    this.draw();
  };

  /** On a terminal, redraws every second so running steps' clocks move. */
  start(): void {
    if (!this.sink.isTTY) return;
    this.draw(true);
    this.ticker = setInterval(() => this.draw(true), 1000);
    this.ticker.unref();
  }

  /** Leaves the final state on screen and stops redrawing. */
  finish(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sink.isTTY) this.draw(true);
  }

  private above(text: string): void {
    if (!this.sink.isTTY) {
      this.sink.write(text);
      return;
    }
    this.sink.write(this.clear() + text);
    this.drawnLines = 0;
    this.draw(true);
  }

  private clear(): string {
    return this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\x1b[0J` : "";
  }

  private draw(force = false): void {
    const now = this.now();
    if (!force && now - this.lastDraw < REDRAW_MS) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.draw(true);
      }, REDRAW_MS);
      return;
    }
    this.lastDraw = now;
    const width = Math.max(...[...this.steps.keys()].map((n) => n.length));
    const lines = [...this.steps.entries()].map(([name, s]) => {
      const elapsed =
        s.durationMs !== undefined ? s.durationMs : s.started !== undefined ? now - s.started : undefined;
      const parts = [
        `${MARKS[s.status] ?? "?"} ${name.padEnd(width)}  ${s.status.padEnd(9)}`,
        elapsed !== undefined ? formatDuration(elapsed) : "",
        s.attempt > 1 ? `attempt ${s.attempt}` : "",
        s.error ?? "",
      ];
      return parts
        .filter((p) => p !== "")
        .join("  ")
        .trimEnd();
    });
    this.sink.write(`${this.clear()}${lines.join("\n")}\n`);
    this.drawnLines = lines.length;
  }
}
