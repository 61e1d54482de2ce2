import {
  postgresUnreachable,
  type ScratchStore,
  scratchPostgresStore,
  scratchSqliteStore,
} from "@gyre/server/testing";

/** A fresh, private metadata store for one benchmark run, removed by dispose(). */
export type Store = ScratchStore;

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
  return scratchSqliteStore("gyre-bench-");
}

async function provisionPostgres(): Promise<Store> {
  const reason = await postgresUnreachable(POSTGRES_ADMIN_URL);
  if (reason !== undefined) throw new BackendUnavailable(reason);
  return scratchPostgresStore(POSTGRES_ADMIN_URL, "gyre_bench");
}
