import type { MaterializeJob } from "@gyre/sdk";
import { Progress, type ProgressSink } from "./predict-progress.js";

/**
 * Materialization progress from the polled job: one bar per view (entities written out of the
 * view's total), a line when a view starts.
 */
export class MaterializeProgress {
  private current: { view: string; bar: Progress; done: number } | undefined;

  constructor(private readonly sink: ProgressSink) {}

  update(job: MaterializeJob): void {
    const view = job.views.find((v) => v.status === "RUNNING" && v.total !== null);
    if (this.current && this.current.view !== view?.feature_view) this.finishView(job);
    if (!view) return;
    if (!this.current) {
      const bar = new Progress(this.labelled());
      bar.note(
        `${view.feature_view}: ${view.start ?? "the beginning"} → ${view.end}, ${view.total} entities`,
      );
      bar.start(view.total ?? undefined);
      this.current = { view: view.feature_view, bar, done: 0 };
    }
    this.current.bar.advance(view.written - this.current.done);
    this.current.done = view.written;
  }

  finish(job: MaterializeJob): void {
    this.finishView(job);
  }

  private finishView(job: MaterializeJob): void {
    if (!this.current) return;
    const final = job.views.find((v) => v.feature_view === this.current!.view);
    if (final) this.current.bar.advance(final.written - this.current.done);
    this.current.bar.finish();
    this.current = undefined;
  }

  /** The bar's plain-text lines name this command, not `predict`. */
  private labelled(): ProgressSink {
    const sink = this.sink;
    return {
      isTTY: sink.isTTY,
      columns: sink.columns,
      write: (text) => sink.write(text.startsWith("predict: ") ? `materialize: ${text.slice(9)}` : text),
    };
  }
}
