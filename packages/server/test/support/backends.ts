import {
  postgresUnreachable,
  type ScratchStore,
  scratchPostgresStore,
  scratchSqliteStore,
} from "../../src/testing/index.js";

/**
 * The metadata-store backends every conformance test runs against. Each `create()` gives a fresh,
 * private store (a new SQLite file, or a new PostgreSQL database) so runs never collide.
 * With CI=true an unreachable PostgreSQL fails the run; elsewhere its tests are skipped with a notice.
 */
export interface Backend {
  name: "sqlite" | "postgres";
  create(): Promise<ScratchStore>;
}

const POSTGRES_ADMIN_URL =
  process.env.GYRE_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export const sqliteBackend: Backend = {
  name: "sqlite",
  create: async () => scratchSqliteStore("gyre-test-"),
};

export const postgresBackend: Backend = {
  name: "postgres",
  create: () => scratchPostgresStore(POSTGRES_ADMIN_URL, "gyre_test"),
};

async function postgresReachable(): Promise<boolean> {
  const reason = await postgresUnreachable(POSTGRES_ADMIN_URL);
  if (reason === undefined) return true;
  if (process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
  console.warn(`\n*** NOTICE: ${reason}; PostgreSQL tests are SKIPPED. ***\n`);
  return false;
}

/** SQLite always; PostgreSQL when reachable (always under CI=true). */
export async function availableBackends(): Promise<Backend[]> {
  return (await postgresReachable()) ? [sqliteBackend, postgresBackend] : [sqliteBackend];
}
