import PgBoss from "pg-boss";
import type { StepTask } from "./executor.js";

/** Where the step queue lives: a PostgreSQL database and the pg-boss schema inside it. */
export interface QueueOptions {
  /** postgresql://… of the queue database. */
  connectionString: string;
  /** pg-boss's schema; default "pgboss". */
  schema?: string;
  /** Queue name; default "gyre-steps". */
  queue?: string;
  /** How often expired jobs (a worker died mid-step) are failed over to a retry; default 10 s. */
  maintenanceIntervalSeconds?: number;
}

export const DEFAULT_QUEUE = "gyre-steps";

/** One queued step attempt series: where to import the step from and everything it needs. */
export interface StepJob {
  pipeline: string;
  step: string;
  /** Absolute path of the pipeline module, importable on the worker's machine. */
  module: string;
  task: StepTask;
  /** Step failures allowed before the job ends failed (the step's `retries`); worker deaths are counted apart. */
  retries: number;
}

/** What a worker completes a job with. */
export type StepJobResult =
  | { outcome: "succeeded"; outputs: Record<string, unknown> }
  | { outcome: "failed"; error: string }
  | { outcome: "cancelled" };

/** A started pg-boss instance with the step queue created (idempotent; safe from any process). */
export async function openQueue(options: QueueOptions): Promise<{ boss: PgBoss; queue: string }> {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: options.schema ?? "pgboss",
    supervise: true,
    schedule: false,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 10,
  });
  // pg-boss reports pool errors as events; without a listener Node would crash the process.
  boss.on("error", () => undefined);
  await boss.start();
  const queue = options.queue ?? DEFAULT_QUEUE;
  await boss.createQueue(queue);
  return { boss, queue };
}
