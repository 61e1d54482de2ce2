import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { postgresUnreachable, type ScratchStore, scratchPostgresStore } from "@gyre/server/testing";
import { PgBossExecutor } from "../../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./server.js";

export const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));
const POSTGRES_ADMIN_URL =
  process.env.GYRE_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A fresh PostgreSQL database for one test's queue; undefined (with a notice) when PostgreSQL is down, unless CI=true. */
export async function scratchQueueDatabase(): Promise<ScratchStore | undefined> {
  const reason = await postgresUnreachable(POSTGRES_ADMIN_URL);
  if (reason !== undefined) {
    if (process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
    console.warn(`\n*** NOTICE: ${reason}; pg-boss executor tests are SKIPPED. ***\n`);
    return undefined;
  }
  return scratchPostgresStore(POSTGRES_ADMIN_URL, "gyre_test_queue");
}

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** `gyre worker` processes on the queue, resolved once each has said it is taking steps. */
export async function startWorkers(queueUri: string, count: number): Promise<WorkerProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(
        process.execPath,
        [CLI, "worker", "--queue-uri", queueUri, "--poll-seconds", "0.5", "--maintenance-seconds", "1"],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GYRE_TRACKING_URI: "" } },
      );
      const output: string[] = [];
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output.push(chunk.toString());
          if (output.join("").includes("taking steps")) resolve();
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
        child.on("exit", (code) => reject(new Error(`worker exited with ${code}: ${output.join("")}`)));
      });
      return { child, output, exited };
    }),
  );
}

/** Stops every worker still running (SIGTERM) and waits for them. */
export async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM");
  }
  await Promise.all(workers.map((w) => w.exited));
}

/** A test's queue: a scratch database, a tracking server, `gyre worker` processes and a coordinator-side executor. */
export interface QueueHarness {
  /** undefined when PostgreSQL is unreachable (tests skip). */
  queueUri: string | undefined;
  server: PipelineTestServer;
  work: string;
  workers: WorkerProcess[];
  executor: PgBossExecutor | undefined;
  close(): Promise<void>;
}

/** Short expiry and maintenance settings, so a dead worker's step is retried within seconds. */
export async function startQueueHarness(workerCount: number): Promise<QueueHarness> {
  const queueDb = await scratchQueueDatabase();
  const server = await startPipelineServer();
  const work = mkdtempSync(join(tmpdir(), "gyre-pgboss-"));
  // The coordinator's executor installs pg-boss's schema once before the workers start, so they
  // don't all race to install it into the fresh database at the same moment.
  const executor = queueDb
    ? await PgBossExecutor.start({
        connectionString: queueDb.uri,
        maintenanceIntervalSeconds: 1,
        expireGraceSeconds: 1,
        pollMs: 100,
      })
    : undefined;
  const workers = queueDb ? await startWorkers(queueDb.uri, workerCount) : [];
  return {
    queueUri: queueDb?.uri,
    server,
    work,
    workers,
    executor,
    async close() {
      await executor?.close();
      await stopWorkers(workers);
      await server.close();
      await queueDb?.dispose();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` every 50 ms (up to 20 s) until it gives a value. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
