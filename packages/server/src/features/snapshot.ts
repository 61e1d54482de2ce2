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
 * The registry's definitions, parsed once per registry version. Every call reads the version
 * first (see VersionProbe) and reloads when it moved, so an apply is visible to the very next
 * request of every reader — no cache lifetime, no stale definitions — while a request that finds
 * the version unchanged costs one tiny query and map lookups.
 */
export class RegistrySnapshots {
  private current: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly probe: VersionProbe,
  ) {}

  async snapshot(): Promise<Snapshot> {
    const version = await this.probe.version();
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
    return loaded.version >= version ? loaded : this.snapshot();
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
