import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { GyreError } from "@gyre/core";
import SQLite from "better-sqlite3";
import {
  Kysely,
  Migrator,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase,
  SqliteDialect,
} from "kysely";
import pg from "pg";
import { migrationProvider } from "./migrations.js";
import type { Schema } from "./schema.js";

export type SqlDialect = "sqlite" | "postgres";

/** The metadata store: one Kysely handle over SQLite (embedded) or PostgreSQL (scale-out). */
export interface MetadataDatabase {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  close(): Promise<void>;
}

interface OpenedDatabase extends MetadataDatabase {
  /** Runs the migrations so that concurrent starters serialise on the same store. */
  exclusively(migrate: () => Promise<void>): Promise<void>;
}

export type ParsedStoreUri =
  | { dialect: "sqlite"; path: string }
  | { dialect: "postgres"; connectionString: string };

/**
 * `sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy's convention, as MLflow uses),
 * `sqlite:///:memory:`; `postgresql://…`, `postgres://…` and `postgresql+driver://…`.
 */
export function parseStoreUri(uri: string): ParsedStoreUri {
  const sqlite = /^sqlite:\/\/\/(.+)$/.exec(uri);
  if (sqlite?.[1]) {
    return { dialect: "sqlite", path: sqlite[1] === ":memory:" ? ":memory:" : resolve(sqlite[1]) };
  }
  const postgres = /^postgres(?:ql)?(?:\+\w+)?:\/\/(.*)$/.exec(uri);
  if (postgres) return { dialect: "postgres", connectionString: `postgresql://${postgres[1]}` };
  throw new GyreError(
    "INVALID_PARAMETER_VALUE",
    `Unsupported backend store URI '${uri}': expected sqlite:///<path> or postgresql://<host>/<database>`,
  );
}

/**
 * Leading SQL comments by which a query asks the driver layer for what Kysely does not express.
 * Both drivers below honour them, so one SQL text still serves SQLite and PostgreSQL:
 * - `prepared`: a statement the caller runs again and again (see tracking/prepared.ts): SQLite keeps
 *   it prepared for good, PostgreSQL prepares it once per connection as a named statement;
 * - `arrayRows`: rows come back as arrays in select-list order rather than as objects.
 */
export const SQL_HINTS = { prepared: "/*gyre:prepared*/ ", arrayRows: "/*gyre:array-rows*/ " } as const;

function hinted(text: string, hint: string): boolean {
  // Hints lead the text, prepared first: `startsWith` at a known offset, no scan.
  return (
    text.startsWith(hint) ||
    (text.startsWith(SQL_HINTS.prepared) && text.startsWith(hint, SQL_HINTS.prepared.length))
  );
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

export async function openMetadataDatabase(uri: string): Promise<MetadataDatabase> {
  const parsed = parseStoreUri(uri);
  const database =
    parsed.dialect === "sqlite" ? openSqlite(parsed.path) : openPostgres(parsed.connectionString);
  try {
    await database.exclusively(() => migrate(database));
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function openSqlite(path: string): OpenedDatabase {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const connection = new SQLite(path);
  connection.pragma("journal_mode = WAL");
  // With WAL, NORMAL keeps every committed transaction across a process crash (kill -9);
  // only an OS crash or power loss can drop the last commits.
  connection.pragma("synchronous = NORMAL");
  connection.pragma("foreign_keys = ON");
  connection.pragma("busy_timeout = 20000");
  // Checkpoints are where WAL mode fsyncs; letting the log grow to ~40 MB between them keeps small
  // commits cheap. A 64 MB page cache keeps search and history reads off the disk.
  connection.pragma("wal_autocheckpoint = 10000");
  connection.pragma("cache_size = -65536");
  // MLflow's SQL store compares LIKE case-sensitively; ILIKE is the case-insensitive operator.
  connection.pragma("case_sensitive_like = ON");
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    db,
    dialect: "sqlite",
    close: () => db.destroy(),
    // Kysely's SQLite migrator runs without a transaction or lock, so hold SQLite's write lock for
    // the whole migration: a second process starting on the same file waits here (busy_timeout)
    // and then finds the schema current. SQLite DDL is transactional, so a failure rolls back.
    async exclusively(migrate) {
      connection.exec("begin immediate");
      try {
        await migrate();
        connection.exec("commit");
      } catch (error) {
        connection.exec("rollback");
        throw error;
      }
    },
  };
}

/**
 * Kysely prepares a statement for every query; better-sqlite3 statements are reusable, and
 * preparing is a sizeable share of a small request's cost, so the most recent ones are kept, and
 * statements hinted `prepared` are kept for good.
 */
function withStatementCache(connection: SQLite.Database, capacity = 512): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  const kept = new Map<string, SQLite.Statement>();
  const prepare = (text: string) => {
    const statement = connection.prepare(text);
    return hinted(text, SQL_HINTS.arrayRows) ? statement.raw(true) : statement;
  };
  return {
    close: () => connection.close(),
    prepare(text) {
      // Kysely opens transactions with a deferred `begin`. When another process shares the file
      // (`--serving-workers`, a CLI command next to a server), a transaction that reads and then
      // writes fails with SQLITE_BUSY(_SNAPSHOT) without waiting, since the busy handler cannot
      // upgrade a read snapshot. `begin immediate` takes the write lock up front and waits for it
      // (busy_timeout), like PostgreSQL's row locks do. In one process transactions are already
      // serialised by Kysely's connection mutex, so this costs nothing there.
      if (text === "begin") text = "begin immediate";
      let statement = kept.get(text);
      if (statement) return statement;
      if (text.startsWith(SQL_HINTS.prepared)) {
        statement = prepare(text);
        kept.set(text, statement);
        return statement;
      }
      statement = cache.get(text);
      if (statement) {
        cache.delete(text); // re-insert: Map order is the LRU order
      } else {
        statement = prepare(text);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

function openPostgres(connectionString: string): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // Millisecond timestamps and steps fit in a double; keep them numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === PG_INT8 || oid === PG_NUMERIC
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: withHints(pool) }) });
  // Kysely's migrator already takes a transaction-scoped advisory lock on PostgreSQL.
  return { db, dialect: "postgres", close: () => db.destroy(), exclusively: (migrate) => migrate() };
}

/** The PostgreSQL side of SQL_HINTS: named statements and array rows, per pg's query config. */
function withHints(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = `gyre_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      return {
        release: () => client.release(),
        query: ((text: string | object, values?: readonly unknown[]) => {
          if (typeof text !== "string") return client.query(text as never);
          const config: pg.QueryConfig = { text, values: values as unknown[] };
          if (text.startsWith(SQL_HINTS.prepared)) config.name = nameOf(text);
          return hinted(text, SQL_HINTS.arrayRows)
            ? client.query({ ...config, rowMode: "array" })
            : client.query(config);
        }) as unknown as PostgresPoolClient["query"],
      };
    },
  };
}

async function migrate(database: OpenedDatabase): Promise<void> {
  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider(database.dialect),
    migrationTableName: "gyre_migrations",
    migrationLockTableName: "gyre_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new GyreError("INTERNAL_ERROR", `Schema migration '${failed}' failed: ${String(error)}`, {
      cause: error,
    });
  }
}
