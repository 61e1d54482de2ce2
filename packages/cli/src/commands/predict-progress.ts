/**
 * Progress of `gyre predict` on stderr: a bar redrawn in place on a terminal, a plain line now
 * and then otherwise (logs, CI), and one summary line at the end either way.
 */
export interface ProgressSink {
  write(text: string): void;
  /** Whether stderr is a terminal: the bar needs one to redraw in place. */
  readonly isTTY: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

export interface ProgressState {
  readonly done: number;
  readonly total: number | undefined;
  readonly elapsedMs: number;
}

const TTY_REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5000;

/** "1,234,567". */
function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** "0:07", "1:02:03". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor(s / 60);
  return hours > 0 ? `${hours}:${pad(minutes % 60)}:${pad(s % 60)}` : `${minutes}:${pad(s % 60)}`;
}

function rate(state: ProgressState): number {
  return state.elapsedMs > 0 ? (state.done * 1000) / state.elapsedMs : 0;
}

/** "40,000/100,000 rows  40%  52,123 rows/s  ETA 0:01" (no total: no percentage, no ETA). */
export function progressFigures(state: ProgressState): string {
  const perSecond = rate(state);
  const parts = [`${count(state.done)}${state.total === undefined ? "" : `/${count(state.total)}`} rows`];
  if (state.total !== undefined && state.total > 0) {
    parts.push(`${Math.floor((100 * state.done) / state.total)}%`);
  }
  parts.push(`${count(perSecond)} rows/s`);
  if (state.total !== undefined && perSecond > 0)
    parts.push(`ETA ${clock((state.total - state.done) / perSecond)}`);
  return parts.join("  ");
}

/** The bar line: `[#######-------] figures`, fitted to the terminal. */
export function progressBar(state: ProgressState, columns = 80): string {
  const figures = progressFigures(state);
  const width = Math.max(10, Math.min(40, columns - figures.length - 4));
  const fraction = state.total ? Math.min(1, state.done / state.total) : 0;
  const filled = Math.round(fraction * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${figures}`;
}

export class Progress {
  private done = 0;
  private total: number | undefined;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
    /** Prefix of the plain progress lines (no terminal): the command's name. */
    private readonly label = "predict",
  ) {
    this.started = now();
  }

  start(total: number | undefined): void {
    this.total = total;
    this.draw(true);
  }

  advance(rows: number): void {
    this.done += rows;
    this.draw(false);
  }

  /** A step with no row count (writing the output file): its own line. */
  note(text: string): void {
    this.clearBar();
    this.sink.write(`${text}\n`);
  }

  /** Takes the bar off the screen; the command's result line follows on stdout. */
  finish(): void {
    this.clearBar();
  }

  private state(): ProgressState {
    return { done: this.done, total: this.total, elapsedMs: this.now() - this.started };
  }

  private draw(force: boolean): void {
    const now = this.now();
    const every = this.sink.isTTY ? TTY_REDRAW_MS : PLAIN_EVERY_MS;
    if (!force && now - this.lastDraw < every) return;
    this.lastDraw = now;
    if (this.sink.isTTY) {
      // \r and "erase line" redraw the bar in place.
      this.sink.write(`\r\x1b[2K${progressBar(this.state(), this.sink.columns)}`);
      this.drawn = true;
    } else if (!force) {
      this.sink.write(`${this.label}: ${progressFigures(this.state())}\n`);
    }
  }

  private clearBar(): void {
    if (!this.drawn) return;
    this.sink.write("\r\x1b[2K");
    this.drawn = false;
  }
}
