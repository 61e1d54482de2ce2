import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * The metadata-store backends every conformance test runs against. Each `create()` gives a fresh,
 * private store (a new SQLite file, or a new PostgreSQL database) so runs never collide.
 * With CI=true an unreachable PostgreSQL fails the run; elsewhere its tests are skipped with a notice.
 */
export interface Backend {
  name: "sqlite" | "postgres";
  create(): Promise<{ uri: string; artifacts: string; dispose(): Promise<void> }>;
}

const POSTGRES_ADMIN_URL =
  process.env.GYRE_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export const sqliteBackend: Backend = {
  name: "sqlite",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "gyre-test-"));
    return {
      uri: `sqlite:///${dir}/gyre.db`,
      artifacts: join(dir, "artifacts"),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const postgresBackend: Backend = {
  name: "postgres",
  async create() {
    const database = `gyre_test_${process.pid}_${randomBytes(4).toString("hex")}`;
    await withAdmin((c) => c.query(`create database ${database}`));
    const dir = mkdtempSync(join(tmpdir(), "gyre-test-"));
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
  },
};

async function postgresReachable(): Promise<boolean> {
  try {
    await withAdmin((c) => c.query("select 1"));
    return true;
  } catch (error) {
    if (process.env.CI === "true") {
      throw new Error(`CI=true but PostgreSQL is unreachable at ${POSTGRES_ADMIN_URL}: ${String(error)}`);
    }
    console.warn(
      `\n*** NOTICE: PostgreSQL unreachable at ${POSTGRES_ADMIN_URL} (${String(error)}); PostgreSQL tests are SKIPPED. ***\n`,
    );
    return false;
  }
}

/** SQLite always; PostgreSQL when reachable (always under CI=true). */
export async function availableBackends(): Promise<Backend[]> {
  return (await postgresReachable()) ? [sqliteBackend, postgresBackend] : [sqliteBackend];
}
