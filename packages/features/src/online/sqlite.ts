import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import {
  NO_CREATED_TIME,
  type OnlineJsonRecord,
  type OnlineRead,
  type OnlineRecord,
  type OnlineRow,
  type OnlineStore,
  parsedRecords,
} from "./store.js";

/** Beyond this many (view, key) combinations a read goes key by key in one transaction. */
const MAX_PAIRS_PER_STATEMENT = 256;

/**
 * The top-level fields of a payload as JSON texts, without parsing the values: payloads are
 * JSON.stringify of a flat object of scalars (no whitespace), so a field's text runs to the next
 * ',' or '}' outside a string.
 */
export function payloadFields(text: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  let i = 1;
  while (text.charCodeAt(i) === 34 /* '"' */) {
    const keyEnd = stringEnd(text, i);
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes("\\") ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw;
    const start = keyEnd + 1; // past ':'
    let end: number;
    if (text.charCodeAt(start) === 34) end = stringEnd(text, start);
    else {
      end = start;
      for (let c = text.charCodeAt(end); c !== 44 && c !== 125; c = text.charCodeAt(++end));
    }
    fields[key] = text.slice(start, end);
    i = text.charCodeAt(end) === 44 /* ',' */ ? end + 1 : end;
  }
  return fields;
}

/** The index just past the JSON string starting at `start` (its opening quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (let c = text.charCodeAt(i); c !== 34; c = text.charCodeAt(i)) i += c === 92 /* '\\' */ ? 2 : 1;
  return i + 1;
}

/** A stored row as reads use it: its event time and its fields' JSON texts. */
interface StoredRow {
  readonly eventTime: number;
  readonly fields: Record<string, string>;
}

function storedRow(row: [number, string]): StoredRow {
  return { eventTime: row[0], fields: payloadFields(row[1]) };
}

function recordOf(row: StoredRow, features: readonly string[]): OnlineJsonRecord {
  return { eventTime: row.eventTime, texts: features.map((f) => row.fields[f]) };
}

export interface SqliteOnlineOptions {
  /**
   * Rows (a view's values for one entity, or the fact that there are none) kept in memory
   * between reads; 0 turns the cache off. Default 100,000.
   */
  readonly cacheEntries?: number;
}

const DEFAULT_CACHE_ENTRIES = 100_000;

/**
 * The embedded online store: one SQLite table keyed by (view, entity key) WITHOUT ROWID, one row
 * per entity holding its event time and its features as JSON. better-sqlite3 is synchronous and
 * its prepared statements take microseconds, so a read of a few keys costs less than the HTTP
 * request around it. WAL mode lets `gyre server` read while `gyre features materialize` writes.
 */
export class SqliteOnlineStore implements OnlineStore {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly writeBatch: (view: string, rows: readonly OnlineRow[]) => void;
  /** One prepared multi-key lookup per (view count, key count). */
  private readonly lookups = new Map<number, Database.Statement>();
  private readonly readTogether: (reads: readonly OnlineRead[]) => (OnlineJsonRecord | undefined)[][];
  /**
   * Rows read before, by view and key (null: no row). Valid while `PRAGMA data_version` stays
   * put — it moves whenever another connection (another server process, `gyre features
   * materialize`) commits; compared once per event-loop turn — and cleared by this connection's
   * own writes, so a read never sees a value older than the database's at the start of its turn.
   */
  private readonly cache = new Map<string, StoredRow | null>();
  private readonly cacheEntries: number;
  private readonly dataVersion: Database.Statement;
  private cachedVersion = -1;
  /** Whether this turn has compared data_version already. */
  private versionChecked = false;

  constructor(path: string, options: SqliteOnlineOptions = {}) {
    this.cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 20000");
    // Reads straight from a memory map and a larger page cache: a lookup then makes no read() calls.
    this.db.pragma("mmap_size = 1073741824");
    this.db.pragma("cache_size = -65536");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS online_features (
         view TEXT NOT NULL, entity_key TEXT NOT NULL, event_time INTEGER NOT NULL,
         created_time INTEGER NOT NULL, payload TEXT NOT NULL,
         PRIMARY KEY (view, entity_key)) WITHOUT ROWID`,
    );
    // Newer wins: an older (event, created) pair never replaces a stored one.
    this.upsert = this.db.prepare(
      `INSERT INTO online_features (view, entity_key, event_time, created_time, payload) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (view, entity_key) DO UPDATE SET event_time = excluded.event_time,
         created_time = excluded.created_time, payload = excluded.payload
       WHERE excluded.event_time > online_features.event_time
          OR (excluded.event_time = online_features.event_time AND excluded.created_time >= online_features.created_time)`,
    );
    this.select = this.db
      .prepare("SELECT event_time, payload FROM online_features WHERE view = ? AND entity_key = ?")
      .raw();
    this.dataVersion = this.db.prepare("PRAGMA data_version").pluck();
    this.readTogether = this.db.transaction((reads: readonly OnlineRead[]) => this.readEach(reads));
    this.writeBatch = this.db.transaction((view: string, rows: readonly OnlineRow[]) => {
      for (const row of rows) {
        this.upsert.run(
          view,
          row.key,
          row.eventTime,
          row.createdTime ?? NO_CREATED_TIME,
          JSON.stringify(row.values),
        );
      }
    });
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<void> {
    this.cache.clear();
    this.writeBatch(view, rows);
  }

  async read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[][]> {
    return parsedRecords(reads, await this.readJson(reads));
  }

  async readJson(reads: readonly OnlineRead[]): Promise<(OnlineJsonRecord | undefined)[][]> {
    const cached = this.fromCache(reads);
    if (cached) return cached;
    const views = new Set<string>();
    const keys = new Set<string>();
    for (const r of reads) {
      views.add(r.view);
      for (const key of r.keys) keys.add(key);
    }
    // Small reads (one request's rows): one statement for every (view, key) pair. Larger ones: one
    // read transaction, so SQLite takes its WAL read lock once, not per row.
    if (views.size * keys.size > MAX_PAIRS_PER_STATEMENT) return this.readTogether(reads);
    const found = new Map<string, StoredRow>();
    const args = [...views, ...keys];
    for (const row of this.lookup(views.size, keys.size).all(args) as [string, string, number, string][]) {
      found.set(`${row[0]}\u0000${row[1]}`, storedRow([row[2], row[3]]));
    }
    return reads.map((r) =>
      r.keys.map((key) => {
        const id = `${r.view}\u0000${key}`;
        const row = found.get(id);
        this.remember(id, row ?? null);
        return row === undefined ? undefined : recordOf(row, r.features);
      }),
    );
  }

  /** Every requested row from the cache, or undefined when one is not there (or the cache is off). */
  private fromCache(reads: readonly OnlineRead[]): (OnlineJsonRecord | undefined)[][] | undefined {
    if (this.cacheEntries === 0) return undefined;
    if (!this.versionChecked) {
      // Once per event-loop turn: the reads that arrive together see the database as of the
      // turn's start, as they would had they been answered in one statement.
      this.versionChecked = true;
      setImmediate(() => {
        this.versionChecked = false;
      });
      const version = this.dataVersion.get() as number;
      if (version !== this.cachedVersion) {
        this.cache.clear();
        this.cachedVersion = version;
        return undefined;
      }
    }
    const out: (OnlineJsonRecord | undefined)[][] = [];
    for (const r of reads) {
      const records: (OnlineJsonRecord | undefined)[] = [];
      for (const key of r.keys) {
        const row = this.cache.get(`${r.view}\u0000${key}`);
        if (row === undefined) return undefined;
        records.push(row === null ? undefined : recordOf(row, r.features));
      }
      out.push(records);
    }
    return out;
  }

  private remember(id: string, row: StoredRow | null): void {
    if (this.cacheEntries === 0) return;
    if (this.cache.size >= this.cacheEntries) {
      // The oldest entry goes (a Map iterates in insertion order).
      this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(id, row);
  }

  /** `view IN (…) AND entity_key IN (…)`: primary-key searches; pairs not asked for are ignored. */
  private lookup(views: number, keys: number): Database.Statement {
    const id = views * 1024 + keys;
    let statement = this.lookups.get(id);
    if (!statement) {
      const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
      statement = this.db
        .prepare(
          `SELECT view, entity_key, event_time, payload FROM online_features
           WHERE view IN (${marks(views)}) AND entity_key IN (${marks(keys)})`,
        )
        .raw();
      this.lookups.set(id, statement);
    }
    return statement;
  }

  private readEach(reads: readonly OnlineRead[]): (OnlineJsonRecord | undefined)[][] {
    return reads.map((r) =>
      r.keys.map((key) => {
        const raw = this.select.get(r.view, key) as [number, string] | undefined;
        const row = raw === undefined ? null : storedRow(raw);
        this.remember(`${r.view}\u0000${key}`, row);
        return row === null ? undefined : recordOf(row, r.features);
      }),
    );
  }

  async dropView(view: string): Promise<void> {
    this.cache.clear();
    this.db.prepare("DELETE FROM online_features WHERE view = ?").run(view);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
