import { randomUUID } from "node:crypto";
import { type features, invalidParameter, notFound } from "@gyre/core";
import { directoriesOf, withEngine } from "@gyre/data";
import { checkViewSource, defineSource, materializeView, type ResolvedView } from "@gyre/features";
import type { FeaturesContext, Req, Res } from "./context.js";
import type { OnlineStoreHandle } from "./online.js";
import type { RegistrySnapshots } from "./snapshot.js";
import { sourceData } from "./sources.js";

type Job = features.MaterializeJob;

/** Finished jobs kept for polling. */
const KEPT_JOBS = 100;

/**
 * Materialization jobs: `materializeFeatures` checks the request and returns at once with a job;
 * the job writes each view's latest rows in the window to the online store, batch by batch, and
 * moves the view's watermark (in the metadata store) only after the view is complete. Clients
 * poll `getMaterializeJob` for progress (the CLI draws its bar from it).
 */
export class FeatureMaterializeService {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly ctx: FeaturesContext,
    private readonly snapshots: RegistrySnapshots,
    private readonly store: OnlineStoreHandle,
  ) {}

  async materializeFeatures(req: Req<"materializeFeatures">): Promise<Res<"materializeFeatures">> {
    const { catalog } = await this.snapshots.snapshot();
    const views = this.viewsOf(catalog.views, req.feature_views);
    const end = req.end === undefined ? this.ctx.now() : Date.parse(req.end);
    const start = req.start === undefined ? undefined : Date.parse(req.start);
    if (start !== undefined && start > end)
      throw invalidParameter(`start (${req.start}) is after end (${req.end}).`);
    const marks = new Map(
      (await this.ctx.db.selectFrom("feature_watermarks").selectAll().execute()).map((m) => [
        m.feature_view,
        Number(m.watermark),
      ]),
    );
    await this.store.get(); // an unreachable store fails the request, not the job
    const windows = views.map((view) => {
      const mark = marks.get(view.def.name);
      const ttl = view.def.ttl_seconds;
      const from = !req.incremental
        ? start
        : mark !== undefined
          ? mark
          : ttl > 0
            ? end - ttl * 1000
            : undefined;
      return { view, start: from, end };
    });
    const job: Job = {
      job_id: randomUUID(),
      status: "RUNNING",
      start_time: this.ctx.now(),
      views: windows.map((w) => ({
        feature_view: w.view.def.name,
        start: w.start === undefined ? null : new Date(w.start).toISOString(),
        end: new Date(w.end).toISOString(),
        total: null,
        written: 0,
        status: "PENDING",
      })),
    };
    this.remember(job);
    const run = this.run(job, windows, req.batch_size).finally(() => this.running.delete(run));
    this.running.add(run);
    return { job: structuredClone(job) };
  }

  async getMaterializeJob(req: Req<"getMaterializeJob">): Promise<Res<"getMaterializeJob">> {
    const job = this.jobs.get(req.job_id);
    if (!job)
      throw notFound(
        `Materialization job '${req.job_id}' not found (jobs live in the server that runs them).`,
      );
    return { job: structuredClone(job) };
  }

  /** Stops running jobs between batches and waits for them. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running]);
  }

  private viewsOf(
    all: ReadonlyMap<string, ResolvedView>,
    names: readonly string[] | undefined,
  ): ResolvedView[] {
    if (names === undefined) {
      const online = [...all.values()].filter((v) => v.def.online);
      if (online.length === 0)
        throw invalidParameter("The registry has no online feature views to materialize.");
      return online;
    }
    return names.map((name, i) => {
      const view = all.get(name);
      if (!view) throw invalidParameter(`feature_views.${i}: no feature view named '${name}'.`);
      if (!view.def.online)
        throw invalidParameter(`feature_views.${i}: feature view '${name}' is not online.`);
      return view;
    });
  }

  private async run(
    job: Job,
    windows: { view: ResolvedView; start: number | undefined; end: number }[],
    batchSize: number,
  ): Promise<void> {
    const store = await this.store.get();
    for (const [i, { view, start, end }] of windows.entries()) {
      const state = job.views[i]!;
      state.status = "RUNNING";
      try {
        const data = await sourceData(this.ctx, view.source);
        const written = await withEngine(
          { allowedDirectories: directoriesOf(data.files.map((f) => f.path)) },
          async (engine) => {
            const table = await defineSource(engine, "source", data);
            checkViewSource(view, table);
            return materializeView({
              engine,
              view,
              table,
              start,
              end,
              store,
              batchSize,
              onTotal: (n) => {
                state.total = n;
              },
              onBatch: (n) => {
                state.written += n;
              },
              cancelled: () => this.closing,
            });
          },
        );
        if (this.closing && written < (state.total ?? 0)) throw new Error("the server is shutting down");
        await this.advanceWatermark(view.def.name, end, written);
        state.status = "SUCCEEDED";
      } catch (error) {
        state.status = "FAILED";
        job.status = "FAILED";
        job.error = `feature view '${view.def.name}': ${(error as Error).message}`;
        job.end_time = this.ctx.now();
        return;
      }
    }
    job.status = "SUCCEEDED";
    job.end_time = this.ctx.now();
  }

  /** The watermark only moves forward: materializing an older window never moves it back. */
  private async advanceWatermark(view: string, end: number, rows: number): Promise<void> {
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (trx) => {
      const old = await trx
        .selectFrom("feature_watermarks")
        .select("watermark")
        .where("feature_view", "=", view)
        .executeTakeFirst();
      if (old === undefined) {
        await trx
          .insertInto("feature_watermarks")
          .values({ feature_view: view, watermark: end, last_run_time: now, rows_written: rows })
          .execute();
      } else {
        await trx
          .updateTable("feature_watermarks")
          .set({ watermark: Math.max(Number(old.watermark), end), last_run_time: now, rows_written: rows })
          .where("feature_view", "=", view)
          .execute();
      }
    });
  }

  private remember(job: Job): void {
    this.jobs.set(job.job_id, job);
    if (this.jobs.size <= KEPT_JOBS) return;
    for (const [id, old] of this.jobs) {
      if (old.status !== "RUNNING") {
        this.jobs.delete(id);
        if (this.jobs.size <= KEPT_JOBS) break;
      }
    }
  }
}
