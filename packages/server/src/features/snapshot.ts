import { invalidParameter } from "@gyre/core";
import type { FeatureCatalog, FeatureSelection } from "@gyre/features";
import Database from "better-sqlite3";
import { CompiledQuery, type Kysely } from "kysely";
import type { ParsedStoreUri } from "../store/database.js";
import type { Schema } from "../store/schema.js";
import { catalogOf, readRegistry } from "./registry.js";

/** Reads the registry's version number: the one query the online path makes per request. */
export interface VersionProbe {
  version(): Promise<number>;
  close(): void;
}

const VERSION_SQL = "select version from feature_registry where id = 1";

/**
 * The cheapest way to read the version on each store: on a SQLite file, a private better-sqlite3
 * connection with one prepared statement (microseconds, no query builder); elsewhere one
 * precompiled query through the pool (one round trip on PostgreSQL).
 */
export function versionProbe(db: Kysely<Schema>, store: ParsedStoreUri): VersionProbe {
  if (store.dialect === "sqlite" && store.path !== ":memory:") {
    const connection = new Database(store.path, { fileMustExist: true });
    connection.pragma("busy_timeout = 20000");
    const statement = connection.prepare(VERSION_SQL).pluck();
    return { version: async () => Number(statement.get()), close: () => connection.close() };
  }
  const query = CompiledQuery.raw(VERSION_SQL);
  return {
    async version() {
      const result = await db.executeQuery<{ version: number | string }>(query);
      return Number(result.rows[0]?.version ?? 0);
    },
    close() {},
  };
}

interface Snapshot {
  readonly version: number;
  readonly catalog: FeatureCatalog;
  readonly selections: Map<string, FeatureSelection>;
}

/**
 * The registry's definitions, parsed once per registry version. The version is read (see
 * VersionProbe) once per event-loop turn, and the snapshot reloaded when it moved, so an apply is
 * visible to the next request of every reader — no cache lifetime, no stale definitions — while
 * the requests that arrive together in one turn share one tiny query. An apply made by this
 * process calls `invalidate`, so even a call in the same turn after it sees it.
 */
export class RegistrySnapshots {
  private current: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  /** This turn's version read; cleared on the next turn and by invalidate. */
  private turnVersion: Promise<number> | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly probe: VersionProbe,
  ) {}

  /** Forget this turn's version read: the next call reads it again. */
  invalidate(): void {
    this.turnVersion = undefined;
  }

  private versionThisTurn(): Promise<number> {
    if (!this.turnVersion) {
      const read = this.probe.version();
      this.turnVersion = read;
      setImmediate(() => {
        if (this.turnVersion === read) this.turnVersion = undefined;
      });
      read.catch(() => this.invalidate());
    }
    return this.turnVersion;
  }

  async snapshot(): Promise<Snapshot> {
    const version = await this.versionThisTurn();
    if (this.current && this.current.version >= version) return this.current;
    if (!this.loading) {
      this.loading = readRegistry(this.db)
        .then((state) => {
          const snapshot = { version: state.version, catalog: catalogOf(state), selections: new Map() };
          if (!this.current || snapshot.version >= this.current.version) this.current = snapshot;
          return snapshot;
        })
        .finally(() => {
          this.loading = undefined;
        });
    }
    const loaded = await this.loading;
    // A load that started before this version was committed is not enough: load again.
    if (loaded.version >= version) return loaded;
    this.invalidate();
    return this.snapshot();
  }

  /** The selection for a feature service or feature list, resolved once per registry version. */
  async select(request: {
    feature_service?: string | undefined;
    features?: string[] | undefined;
    full_feature_names: boolean;
  }): Promise<FeatureSelection> {
    const snapshot = await this.snapshot();
    const key = `${request.full_feature_names ? 1 : 0}${request.feature_service ?? ""}\u0000${request.features?.join("\u0000") ?? ""}`;
    let selection = snapshot.selections.get(key);
    if (!selection) {
      if (request.feature_service !== undefined) {
        selection = snapshot.catalog.selectService(request.feature_service, request.full_feature_names);
      } else if (request.features !== undefined) {
        selection = snapshot.catalog.select(request.features, request.full_feature_names);
      } else {
        throw invalidParameter("Give exactly one of feature_service or features.");
      }
      if (snapshot.selections.size < 1000) snapshot.selections.set(key, selection);
    }
    return selection;
  }

  close(): void {
    this.probe.close();
  }
}
