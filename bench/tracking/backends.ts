import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A fresh, private metadata store for one benchmark run, removed by dispose(). */
export interface Store {
  uri: string;
  artifacts: string;
  dispose(): Promise<void>;
}

export type BackendName = "sqlite" | "postgresql";
export const BACKENDS: readonly BackendName[] = ["sqlite", "postgresql"];

export const POSTGRES_ADMIN_URL =
  process.env.GYRE_BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** Thrown when a backend cannot be reached; reported as `skipped` rather than as a failure. */
export class BackendUnavailable extends Error {}

export async function provision(backend: BackendName): Promise<Store> {
  return backend === "sqlite" ? provisionSqlite() : provisionPostgres();
}

function provisionSqlite(): Store {
  const dir = mkdtempSync(join(tmpdir(), "gyre-bench-"));
  return {
    uri: `sqlite:///${dir}/gyre.db`,
    artifacts: join(dir, "artifacts"),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function provisionPostgres(): Promise<Store> {
  try {
    await withAdmin((c) => c.query("select 1"));
  } catch (error) {
    throw new BackendUnavailable(`PostgreSQL unreachable at ${POSTGRES_ADMIN_URL}: ${String(error)}`);
  }
  // Unique per run: a crashed earlier run's database never collides with this one.
  const database = `gyre_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin((c) => c.query(`create database ${database}`));
  const dir = mkdtempSync(join(tmpdir(), "gyre-bench-"));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return {
    uri: url.toString(),
    artifacts: join(dir, "artifacts"),
    dispose: async () => {
      rmSync(dir, { recursive: true, force: true });
      await withAdmin((c) => c.query(`drop database if exists ${database} with (force)`));
    },
  };
}
