import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type features, invalidParameter, notFound } from "@gyre/core";
import { directoriesOf, withEngine } from "@gyre/data";
import { checkViewSource, defineSource, materializeView, type ResolvedView } from "@gyre/features";
import type { FeaturesContext, Req, Res } from "./context.js";
import type { OnlineStoreHandle } from "./online.js";
import type { RegistrySnapshots } from "./snapshot.js";
import { sourceData } from "./sources.js";
import type { FeatureMaterializeJobsTable } from "./tables.js";

type Job = features.MaterializeJob;

/** A running job's row is rewritten (progress and heartbeat) this often, in ms. */
export const MATERIALIZE_HEARTBEAT_MS = 1_000;

/**
 * A RUNNING job whose row has not been rewritten for this long (ms) lost the process running it:
 * it is reported FAILED, and marked so in the table when a service starts or a job starts.
 */
export const MATERIALIZE_STALE_MS = 30_000;

/** Finished jobs kept in the metadata store: older ones are deleted when a job starts. */
export const KEPT_FINISHED_JOBS = 1_000;

/** How often a running job's row is rewritten, and when a row not rewritten is an interrupted job. */
export interface MaterializeJobTiming {
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
}

const SHUTTING_DOWN = "the server is shutting down";

/** A job this process runs; `job` is changed in place as it goes. */
interface RunningJob {
  readonly job: Job;
  /** Its row was declared interrupted by another process (no heartbeat in time): stop, the row is the truth. */
  lost: boolean;
  /** The row's writes, one after another, so a later state is never overwritten by an earlier one. */
  writes: Promise<void>;
  /** A heartbeat is queued or in flight: the next tick skips. */
  beating: boolean;
  timer: ReturnType<typeof setInterval> | undefined;
}

/**
 * Materialization jobs: `materializeFeatures` checks the request, writes the job's row in the
 * metadata store and returns at once with the job; the job writes each view's latest rows in the
 * window to the online store, batch by batch, and moves the view's watermark (in the metadata
 * store) only after the view is complete. Clients poll `getMaterializeJob` for progress (the CLI
 * draws its bar from it) and may reach any process of the server: the running process rewrites
 * the job's row on every status change and, with its progress, every `heartbeatMs`; a RUNNING row
 * not rewritten for `staleAfterMs` is reported FAILED as interrupted.
 */
export class FeatureMaterializeService {
  /** Jobs this process runs (its own fast copy); removed once their final row is written. */
  private readonly jobs = new Map<string, RunningJob>();
  private readonly running = new Set<Promise<void>>();
  private closing = false;
  /** Marks the rows of jobs whose process stopped FAILED (see `failInterruptedJobs`). */
  private readonly startup: Promise<void>;
  /** This process (random per service), as written in its jobs' rows. */
  readonly owner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly ctx: FeaturesContext,
    private readonly snapshots: RegistrySnapshots,
    private readonly store: OnlineStoreHandle,
    private readonly timing: MaterializeJobTiming,
  ) {
    // A failure here is retried when the next job starts; reads judge staleness themselves.
    this.startup = this.failInterruptedJobs().then(
      () => undefined,
      () => undefined,
    );
  }

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
    await this.failInterruptedJobs();
    await this.deleteOldJobs();
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
    // Acknowledged only once durable: the row is written before the answer.
    await this.ctx.db
      .insertInto("feature_materialize_jobs")
      .values({
        job_id: job.job_id,
        status: job.status,
        job: JSON.stringify(job),
        owner: this.owner,
        heartbeat_time: job.start_time,
        start_time: job.start_time,
        end_time: null,
      })
      .execute();
    const entry: RunningJob = {
      job,
      lost: false,
      writes: Promise.resolve(),
      beating: false,
      timer: undefined,
    };
    this.jobs.set(job.job_id, entry);
    entry.timer = setInterval(() => this.heartbeat(entry), this.timing.heartbeatMs);
    entry.timer.unref();
    const run = this.run(entry, windows, req.batch_size).finally(() => this.running.delete(run));
    this.running.add(run);
    return { job: structuredClone(job) };
  }

  /** From this process's copy while it runs the job, else from the job's row (any process's). */
  async getMaterializeJob(req: Req<"getMaterializeJob">): Promise<Res<"getMaterializeJob">> {
    const entry = this.jobs.get(req.job_id);
    if (entry && !entry.lost) return { job: structuredClone(entry.job) };
    const row = await this.ctx.db
      .selectFrom("feature_materialize_jobs")
      .selectAll()
      .where("job_id", "=", req.job_id)
      .executeTakeFirst();
    if (!row)
      throw notFound(
        `Materialization job '${req.job_id}' not found (the newest ${KEPT_FINISHED_JOBS} finished jobs are kept).`,
      );
    return { job: this.jobOfRow(row, this.ctx.now()) };
  }

  /**
   * Marks FAILED (interrupted) the RUNNING rows not rewritten for `staleAfterMs`: their process
   * stopped. A row rewritten meanwhile (its process is alive after all) is left alone. Runs when
   * the service starts and when a job starts; returns the rows marked.
   */
  async failInterruptedJobs(): Promise<number> {
    const now = this.ctx.now();
    const stale = await this.ctx.db
      .selectFrom("feature_materialize_jobs")
      .selectAll()
      .where("status", "=", "RUNNING")
      .where("heartbeat_time", "<", now - this.timing.staleAfterMs)
      .execute();
    let marked = 0;
    for (const row of stale) {
      const heartbeat = Number(row.heartbeat_time);
      const job = this.jobOfRow(row, now);
      const result = await this.ctx.db
        .updateTable("feature_materialize_jobs")
        .set({ status: job.status, job: JSON.stringify(job), end_time: job.end_time ?? null })
        .where("job_id", "=", row.job_id)
        .where("status", "=", "RUNNING")
        .where("heartbeat_time", "=", heartbeat)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) marked++;
    }
    return marked;
  }

  /** Stops running jobs between batches and waits for them (their rows end FAILED). */
  async close(): Promise<void> {
    this.closing = true;
    await this.startup;
    await Promise.allSettled([...this.running]);
    for (const entry of this.jobs.values()) clearInterval(entry.timer);
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
    entry: RunningJob,
    windows: { view: ResolvedView; start: number | undefined; end: number }[],
    batchSize: number,
  ): Promise<void> {
    const { job } = entry;
    let current: string | undefined;
    try {
      const store = await this.store.get();
      for (const [i, { view, start, end }] of windows.entries()) {
        const state = job.views[i]!;
        if (this.closing) throw new Error(SHUTTING_DOWN);
        if (entry.lost) return;
        current = view.def.name;
        state.status = "RUNNING";
        await this.save(entry);
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
              cancelled: () => this.closing || entry.lost,
            });
          },
        );
        if (written < (state.total ?? 0)) {
          if (entry.lost) return;
          if (this.closing) throw new Error(SHUTTING_DOWN);
        }
        // Only a complete view moves its watermark: an interrupted one starts over from it.
        await this.advanceWatermark(view.def.name, end, written);
        state.status = "SUCCEEDED";
        current = undefined;
        await this.save(entry);
      }
      job.status = "SUCCEEDED";
    } catch (error) {
      const state = job.views.find((v) => v.feature_view === current);
      if (state) state.status = "FAILED";
      job.status = "FAILED";
      const message = (error as Error).message;
      job.error = current === undefined ? message : `feature view '${current}': ${message}`;
    }
    job.end_time = this.ctx.now();
    await this.save(entry);
  }

  /** A heartbeat: the row rewritten with the job's progress, unless the last one is still on its way. */
  private heartbeat(entry: RunningJob): void {
    if (entry.beating) return;
    entry.beating = true;
    void this.save(entry).finally(() => {
      entry.beating = false;
    });
  }

  /**
   * Queues a rewrite of the job's row with its state at the time of writing (never rejects). The
   * row is only rewritten while it is this process's and RUNNING: a row another process marked
   * interrupted stays so, and this job stops. Once a finished job's row is written, this process
   * forgets it; a write that fails is repeated by the next heartbeat.
   */
  private save(entry: RunningJob): Promise<void> {
    entry.writes = entry.writes.then(async () => {
      if (entry.lost) return;
      const { job } = entry;
      try {
        const result = await this.ctx.db
          .updateTable("feature_materialize_jobs")
          .set({
            status: job.status,
            job: JSON.stringify(job),
            heartbeat_time: this.ctx.now(),
            end_time: job.end_time ?? null,
          })
          .where("job_id", "=", job.job_id)
          .where("owner", "=", this.owner)
          .where("status", "=", "RUNNING")
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) entry.lost = true;
      } catch {
        return; // the metadata store failed: the next heartbeat writes the state again
      }
      if (entry.lost || job.status !== "RUNNING") {
        clearInterval(entry.timer);
        this.jobs.delete(job.job_id);
      }
    });
    return entry.writes;
  }

  /** The job a row stands for: a RUNNING row not rewritten for `staleAfterMs` is an interrupted job. */
  private jobOfRow(row: FeatureMaterializeJobsTable, now: number): Job {
    const job = JSON.parse(row.job) as Job;
    const heartbeat = Number(row.heartbeat_time);
    if (row.status !== "RUNNING" || now - heartbeat <= this.timing.staleAfterMs) return job;
    const view = job.views.find((v) => v.status === "RUNNING");
    if (view) view.status = "FAILED";
    job.status = "FAILED";
    job.end_time = heartbeat;
    job.error =
      `${view ? `feature view '${view.feature_view}': ` : ""}interrupted: the server process running ` +
      `this job stopped before it finished (its last heartbeat was at ${new Date(heartbeat).toISOString()}). ` +
      "Materialize again incrementally (--incremental; incremental: true over the API) to resume " +
      "from each view's watermark (a view's watermark moves only once the view is complete).";
    return job;
  }

  /** Keeps the newest `KEPT_FINISHED_JOBS` finished jobs (by end time); running jobs are never deleted. */
  private async deleteOldJobs(): Promise<void> {
    await this.ctx.db
      .deleteFrom("feature_materialize_jobs")
      .where("status", "!=", "RUNNING")
      .where("job_id", "not in", (eb) =>
        eb
          .selectFrom("feature_materialize_jobs")
          .select("job_id")
          .where("status", "!=", "RUNNING")
          .orderBy("end_time", "desc")
          .orderBy("job_id", "desc")
          .limit(KEPT_FINISHED_JOBS),
      )
      .execute();
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
}
