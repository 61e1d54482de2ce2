import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * Fresh, private stores for tests and benchmarks: a new SQLite file or a new PostgreSQL database
 * (with an artifact directory beside it), removed by dispose(), so runs never collide.
 */
export interface ScratchStore {
  uri: string;
  artifacts: string;
  dispose(): Promise<void>;
}

export function scratchSqliteStore(prefix = "gyre-"): ScratchStore {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    uri: `sqlite:///${dir}/gyre.db`,
    artifacts: join(dir, "artifacts"),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Resolves to undefined when the server answers, else to the reason it could not be reached. */
export async function postgresUnreachable(adminUrl: string): Promise<string | undefined> {
  try {
    await withAdmin(adminUrl, (c) => c.query("select 1"));
    return undefined;
  } catch (error) {
    return `PostgreSQL unreachable at ${adminUrl}: ${String(error)}`;
  }
}

/** A new database on the server behind `adminUrl` (a role that may create databases). */
export async function scratchPostgresStore(adminUrl: string, prefix = "gyre_scratch"): Promise<ScratchStore> {
  // The pid and random suffix keep a crashed earlier run's database from colliding with this one.
  const database = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin(adminUrl, (c) => c.query(`create database ${database}`));
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    uri: url.toString(),
    artifacts: join(dir, "artifacts"),
    dispose: async () => {
      rmSync(dir, { recursive: true, force: true });
      await withAdmin(adminUrl, (c) => c.query(`drop database if exists ${database} with (force)`));
    },
  };
}
