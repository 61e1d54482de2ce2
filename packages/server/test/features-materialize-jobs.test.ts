import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { features } from "@gyre/core";
import { DataEngine } from "@gyre/data";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGyre, type Gyre, openMetadataDatabase } from "../src/index.js";
import { callJson, type ScratchStore } from "../src/testing/index.js";
import { availableBackends } from "./support/backends.js";

/**
 * Materialization jobs are rows of the metadata store (migration 0008): any server over the same
 * store answers a poll, a job whose process stopped is reported FAILED as interrupted (on read,
 * and in the table when a service starts), a job stopped by a graceful close ends FAILED, and
 * only the newest 1,000 finished jobs are kept. On every metadata backend.
 */
const backends = await availableBackends();
const BASE = "/api/2.0/gyre/features";
const ENTITIES = 50_000; // with batch_size 1, a job runs far longer than a heartbeat
const STALE_MS = 30_000; // MATERIALIZE_STALE_MS, as createGyre wires it

type Job = features.MaterializeJob;
type Body = Record<string, any>;

interface Server {
  gyre: Gyre;
  call(method: string, path: string, body?: Body): Promise<{ status: number; body: any }>;
}

async function startServer(store: ScratchStore): Promise<Server> {
  const gyre = await createGyre({
    backendStoreUri: store.uri,
    artifactsDestination: store.artifacts,
    port: 0,
    logLevel: false,
  });
  const base = await gyre.listen();
  return {
    gyre,
    async call(method, path, body) {
      const answer = await callJson(base, method, `${BASE}/${path}`, body, { "x-gyre-user": "tester" });
      return { status: answer.status, body: answer.body };
    },
  };
}

/** Two views over `ENTITIES` drivers, one row each on 2024-06-01. */
function repository(dir: string) {
  const view = (name: string) => ({
    name,
    entities: ["driver"],
    source: "driver_stats_src",
    event_timestamp_column: "event_timestamp",
    ttl_seconds: 0,
    features: [{ name: "trips", type: "int64" }],
  });
  return {
    entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }],
    sources: [{ name: "driver_stats_src", path: join(dir, "driver_stats.parquet") }],
    feature_views: [view("driver_stats"), view("driver_stats_copy")],
  };
}

/** A job's row as stored. */
async function rowOf(gyre: Gyre, jobId: string) {
  const row = await gyre.database.db
    .selectFrom("feature_materialize_jobs")
    .selectAll()
    .where("job_id", "=", jobId)
    .executeTakeFirstOrThrow();
  return {
    status: row.status,
    job: JSON.parse(row.job) as Job,
    owner: row.owner,
    heartbeat_time: Number(row.heartbeat_time),
    start_time: Number(row.start_time),
    end_time: row.end_time === null ? null : Number(row.end_time),
  };
}

/** Writes a job's row as another process would have. */
async function insertRow(gyre: Gyre, job: Job, owner: string, heartbeat: number): Promise<void> {
  await gyre.database.db
    .insertInto("feature_materialize_jobs")
    .values({
      job_id: job.job_id,
      status: job.status,
      job: JSON.stringify(job),
      owner,
      heartbeat_time: heartbeat,
      start_time: job.start_time,
      end_time: job.end_time ?? null,
    })
    .execute();
}

/** A job some process was running: its first view done, its second half written. */
function runningJob(jobId: string, startTime: number): Job {
  return {
    job_id: jobId,
    status: "RUNNING",
    start_time: startTime,
    views: [
      {
        feature_view: "driver_stats",
        start: "2024-06-01T00:00:00.000Z",
        end: "2024-06-02T00:00:00.000Z",
        total: 3000,
        written: 3000,
        status: "SUCCEEDED",
      },
      {
        feature_view: "driver_stats_copy",
        start: "2024-06-01T00:00:00.000Z",
        end: "2024-06-02T00:00:00.000Z",
        total: 3000,
        written: 1500,
        status: "RUNNING",
      },
    ],
  };
}

function interruptedMessage(view: string, heartbeat: number): string {
  return (
    `feature view '${view}': interrupted: the server process running this job stopped before it ` +
    `finished (its last heartbeat was at ${new Date(heartbeat).toISOString()}). Materialize again ` +
    "incrementally (--incremental; incremental: true over the API) to resume from each view's " +
    "watermark (a view's watermark moves only once the view is complete)."
  );
}

async function pollUntil(server: Server, jobId: string, done: (job: Job) => boolean): Promise<Job> {
  for (;;) {
    const answer = await server.call("GET", "materialize/get", { job_id: jobId });
    expect(answer.status).toBe(200);
    const job = answer.body.job as Job;
    if (done(job)) return job;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(backends)("materialization jobs on $name", (backend) => {
  let store: ScratchStore;
  let dir: string;
  const open: Gyre[] = [];

  /** A server over the test's store (closed after the test unless the test closed it). */
  async function server(): Promise<Server> {
    const started = await startServer(store);
    open.push(started.gyre);
    return started;
  }

  async function closeServer(s: Server): Promise<void> {
    open.splice(open.indexOf(s.gyre), 1);
    await s.gyre.close();
  }

  /** Applies the views and starts a job of one-row batches, long enough to outlast heartbeats. */
  async function startLongJob(s: Server, views?: string[]): Promise<Job> {
    expect((await s.call("POST", "apply", { repository: repository(dir) })).status).toBe(200);
    const started = await s.call("POST", "materialize", {
      start: "2024-06-01T00:00:00Z",
      end: "2024-06-02T00:00:00Z",
      ...(views ? { feature_views: views } : {}),
      batch_size: 1,
    });
    expect(started.status).toBe(200);
    return started.body.job as Job;
  }

  beforeEach(async () => {
    store = await backend.create();
    dir = mkdtempSync(join(tmpdir(), "gyre-materialize-jobs-"));
    const engine = await DataEngine.open({ allowedDirectories: [dir] });
    await engine.run(
      `COPY (SELECT range::BIGINT AS driver_id, TIMESTAMP '2024-06-01 00:00:00' AS event_timestamp, ` +
        `(range * 10)::BIGINT AS trips FROM range(${ENTITIES})) ` +
        `TO '${join(dir, "driver_stats.parquet")}' (FORMAT parquet)`,
    );
    engine.close();
  });

  afterEach(async () => {
    for (const gyre of open.splice(0)) await gyre.close();
    await store.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores a finished job's row as the API answered it, and a new server answers with it", async () => {
    const first = await server();
    expect((await first.call("POST", "apply", { repository: repository(dir) })).status).toBe(200);
    const started = await first.call("POST", "materialize", {
      start: "2024-06-01T00:00:00Z",
      end: "2024-06-02T00:00:00Z",
      feature_views: ["driver_stats"],
      batch_size: 1000,
    });
    expect(started.status).toBe(200);
    const jobId = started.body.job.job_id as string;
    // Acknowledged means stored: the row exists when the answer arrives.
    expect((await rowOf(first.gyre, jobId)).job.job_id).toBe(jobId);

    const done = await pollUntil(first, jobId, (j) => j.status !== "RUNNING");
    expect(done).toEqual({
      job_id: jobId,
      status: "SUCCEEDED",
      start_time: started.body.job.start_time,
      end_time: done.end_time,
      views: [
        {
          feature_view: "driver_stats",
          start: "2024-06-01T00:00:00.000Z",
          end: "2024-06-02T00:00:00.000Z",
          total: ENTITIES,
          written: ENTITIES,
          status: "SUCCEEDED",
        },
      ],
    });
    expect(done.end_time).toBeGreaterThanOrEqual(done.start_time);
    const row = await rowOf(first.gyre, jobId);
    expect(row).toEqual({
      status: "SUCCEEDED",
      job: done,
      owner: first.gyre.services.features.materialize.owner,
      heartbeat_time: row.heartbeat_time,
      start_time: done.start_time,
      end_time: done.end_time,
    });
    expect(row.heartbeat_time).toBeGreaterThanOrEqual(done.end_time!);
    await closeServer(first);

    const second = await server();
    expect(second.gyre.services.features.materialize.owner).not.toBe(row.owner);
    const again = await second.call("GET", "materialize/get", { job_id: jobId });
    expect(again).toEqual({ status: 200, body: { job: done } });
    const unknown = await second.call("GET", "materialize/get", { job_id: "no-such-job" });
    expect(unknown).toEqual({
      status: 404,
      body: {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Materialization job 'no-such-job' not found (the newest 1000 finished jobs are kept).",
      },
    });
  });

  it("answers a poll on another server over the same store while the job runs and after it stops", async () => {
    const runner = await server();
    const other = await server();
    const started = await startLongJob(runner, ["driver_stats"]);
    const jobId = started.job_id;
    // The runner's heartbeat carries its progress to the other server.
    const midway = await pollUntil(other, jobId, (j) => j.status !== "RUNNING" || j.views[0]!.written > 0);
    expect(midway.status).toBe("RUNNING");
    expect(midway.views[0]!.status).toBe("RUNNING");
    expect(midway.views[0]!.total).toBe(ENTITIES);
    expect(midway.views[0]!.written).toBeGreaterThan(0);
    expect(midway.views[0]!.written).toBeLessThan(ENTITIES);

    // Later heartbeats carry later progress.
    const later = await pollUntil(other, jobId, (j) => j.views[0]!.written > midway.views[0]!.written);
    expect(later.status).toBe("RUNNING");

    // The runner stops; the other server reports how it ended, as the row holds it.
    await closeServer(runner);
    const ended = await pollUntil(other, jobId, (j) => j.status !== "RUNNING");
    const written = ended.views[0]!.written;
    expect(written).toBeGreaterThanOrEqual(later.views[0]!.written);
    expect(written).toBeLessThan(ENTITIES);
    expect(ended).toEqual({
      job_id: jobId,
      status: "FAILED",
      start_time: started.start_time,
      end_time: ended.end_time,
      error: "feature view 'driver_stats': the server is shutting down",
      views: [{ ...started.views[0], total: ENTITIES, written, status: "FAILED" }],
    });
    expect((await rowOf(other.gyre, jobId)).job).toEqual(ended);
  }, 60_000);

  it("reports a RUNNING row whose heartbeat is older than the threshold as interrupted", async () => {
    const s = await server();
    const service = s.gyre.services.features.materialize;
    const heartbeat = Date.UTC(2024, 5, 1, 12);
    const job = runningJob("lost-job", heartbeat - 60_000);
    await insertRow(s.gyre, job, "host-gone/4242/deadbeef", heartbeat);
    const ctx = (service as unknown as { ctx: { now: () => number } }).ctx;

    ctx.now = () => heartbeat + STALE_MS; // at the threshold: still running
    expect(await s.call("GET", "materialize/get", { job_id: "lost-job" })).toEqual({
      status: 200,
      body: { job },
    });

    ctx.now = () => heartbeat + STALE_MS + 1;
    const interrupted: Job = {
      ...job,
      status: "FAILED",
      end_time: heartbeat,
      error: interruptedMessage("driver_stats_copy", heartbeat),
      views: [job.views[0]!, { ...job.views[1]!, status: "FAILED" }],
    };
    expect(await s.call("GET", "materialize/get", { job_id: "lost-job" })).toEqual({
      status: 200,
      body: { job: interrupted },
    });
    // Reading changes nothing; the sweep marks the row as the read reported it.
    expect((await rowOf(s.gyre, "lost-job")).status).toBe("RUNNING");
    expect(await service.failInterruptedJobs()).toBe(1);
    expect(await rowOf(s.gyre, "lost-job")).toEqual({
      status: "FAILED",
      job: interrupted,
      owner: "host-gone/4242/deadbeef",
      heartbeat_time: heartbeat,
      start_time: heartbeat - 60_000,
      end_time: heartbeat,
    });
    expect(await service.failInterruptedJobs()).toBe(0);
  });

  it("marks stale rows FAILED when a server starts, leaving a row another process heartbeats RUNNING", async () => {
    const first = await server();
    const now = Date.now();
    const stale = runningJob("stale-job", now - 120_000);
    const live = runningJob("live-job", now - 60_000);
    await insertRow(first.gyre, stale, "host-gone/1/aaaaaaaa", now - 90_000);
    await insertRow(first.gyre, live, "host-alive/2/bbbbbbbb", now - 5_000);
    await closeServer(first);

    const second = await server();
    expect(await second.call("GET", "materialize/get", { job_id: "live-job" })).toEqual({
      status: 200,
      body: { job: live },
    });
    await closeServer(second); // close waits for the start-up sweep
    const reopened = await openMetadataDatabase(store.uri);
    try {
      const rows = await reopened.db
        .selectFrom("feature_materialize_jobs")
        .selectAll()
        .orderBy("job_id")
        .execute();
      expect(
        rows.map((r) => ({
          job_id: r.job_id,
          status: r.status,
          job: JSON.parse(r.job),
          owner: r.owner,
          heartbeat_time: Number(r.heartbeat_time),
          end_time: r.end_time === null ? null : Number(r.end_time),
        })),
      ).toEqual([
        {
          job_id: "live-job",
          status: "RUNNING",
          job: live,
          owner: "host-alive/2/bbbbbbbb",
          heartbeat_time: now - 5_000,
          end_time: null,
        },
        {
          job_id: "stale-job",
          status: "FAILED",
          job: {
            ...stale,
            status: "FAILED",
            end_time: now - 90_000,
            error: interruptedMessage("driver_stats_copy", now - 90_000),
            views: [stale.views[0], { ...stale.views[1], status: "FAILED" }],
          },
          owner: "host-gone/1/aaaaaaaa",
          heartbeat_time: now - 90_000,
          end_time: now - 90_000,
        },
      ]);
    } finally {
      await reopened.close();
    }
  });

  it("leaves a job stopped by a graceful close FAILED, its watermark unmoved", async () => {
    const first = await server();
    const started = await startLongJob(first);
    const jobId = started.job_id;
    await pollUntil(first, jobId, (j) => j.status !== "RUNNING" || j.views[0]!.written > 0);
    const owner = first.gyre.services.features.materialize.owner;
    await closeServer(first);

    const second = await server();
    const row = await rowOf(second.gyre, jobId);
    const written = row.job.views[0]!.written;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(ENTITIES);
    expect(row).toEqual({
      status: "FAILED",
      job: {
        job_id: jobId,
        status: "FAILED",
        start_time: started.start_time,
        end_time: row.end_time,
        error: "feature view 'driver_stats': the server is shutting down",
        views: [
          {
            feature_view: "driver_stats",
            start: "2024-06-01T00:00:00.000Z",
            end: "2024-06-02T00:00:00.000Z",
            total: ENTITIES,
            written,
            status: "FAILED",
          },
          {
            feature_view: "driver_stats_copy",
            start: "2024-06-01T00:00:00.000Z",
            end: "2024-06-02T00:00:00.000Z",
            total: null,
            written: 0,
            status: "PENDING",
          },
        ],
      },
      owner,
      heartbeat_time: row.heartbeat_time,
      start_time: started.start_time,
      end_time: row.end_time,
    });
    expect(row.end_time).toBeGreaterThanOrEqual(row.start_time);
    expect(await second.call("GET", "materialize/get", { job_id: jobId })).toEqual({
      status: 200,
      body: { job: row.job },
    });
    expect((await second.call("GET", "list", {})).body.watermarks).toEqual([]);
  }, 60_000);

  it("stops a job whose row another process marked interrupted, and never writes the row again", async () => {
    const s = await server();
    const started = await startLongJob(s, ["driver_stats"]);
    const jobId = started.job_id;
    await pollUntil(s, jobId, (j) => j.status !== "RUNNING" || j.views[0]!.written > 0);
    // What another server's start-up sweep writes when this process looked dead to it.
    const verdict: Job = { ...started, status: "FAILED", end_time: 1, error: "declared elsewhere" };
    await s.gyre.database.db
      .updateTable("feature_materialize_jobs")
      .set({ status: "FAILED", job: JSON.stringify(verdict), end_time: 1 })
      .where("job_id", "=", jobId)
      .execute();
    // The next heartbeat finds the row no longer this process's to write: the job stops, and
    // this server answers from the row like every other.
    expect(await pollUntil(s, jobId, (j) => j.status !== "RUNNING")).toEqual(verdict);
    await closeServer(s);
    const reopened = await openMetadataDatabase(store.uri);
    try {
      const row = await reopened.db
        .selectFrom("feature_materialize_jobs")
        .select(["status", "job", "end_time"])
        .where("job_id", "=", jobId)
        .executeTakeFirstOrThrow();
      expect({ ...row, job: JSON.parse(row.job), end_time: Number(row.end_time) }).toEqual({
        status: "FAILED",
        job: verdict,
        end_time: 1,
      });
      expect(await reopened.db.selectFrom("feature_watermarks").selectAll().execute()).toEqual([]);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  it("keeps the newest 1000 finished jobs when a job starts, and every running one", async () => {
    const s = await server();
    await s.call("POST", "apply", { repository: repository(dir) });
    const now = Date.now();
    const finished = Array.from({ length: 1002 }, (_, i): Job => {
      const job = runningJob(`old-${String(i).padStart(4, "0")}`, i);
      return { ...job, status: "SUCCEEDED", end_time: 1000 + i };
    });
    const rows = finished.map((job) => ({
      job_id: job.job_id,
      status: job.status,
      job: JSON.stringify(job),
      owner: "host-gone/1/aaaaaaaa",
      heartbeat_time: job.end_time!,
      start_time: job.start_time,
      end_time: job.end_time!,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      await s.gyre.database.db
        .insertInto("feature_materialize_jobs")
        .values(rows.slice(i, i + 200))
        .execute();
    }
    await insertRow(s.gyre, runningJob("live-job", now - 10_000), "host-alive/2/bbbbbbbb", now - 1_000);

    const started = await s.call("POST", "materialize", {
      start: "2024-06-01T00:00:00Z",
      end: "2024-06-02T00:00:00Z",
      feature_views: ["driver_stats"],
      batch_size: 1000,
    });
    expect(started.status).toBe(200);
    const kept = await s.gyre.database.db
      .selectFrom("feature_materialize_jobs")
      .select(["job_id", "status"])
      .execute();
    expect(kept.map((r) => r.job_id).sort()).toEqual(
      ["live-job", ...finished.slice(2).map((j) => j.job_id), started.body.job.job_id].sort(),
    );
    expect(
      kept
        .filter((r) => r.status === "RUNNING")
        .map((r) => r.job_id)
        .sort(),
    ).toEqual(["live-job", started.body.job.job_id].sort());
    const gone = await s.call("GET", "materialize/get", { job_id: "old-0000" });
    expect(gone.status).toBe(404);
    await pollUntil(s, started.body.job.job_id, (j) => j.status !== "RUNNING");
  });
});
