import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { FeatureValue } from "@gyre/core";
import Database from "better-sqlite3";
import {
  NO_CREATED_TIME,
  type OnlineRead,
  type OnlineRecord,
  type OnlineRow,
  type OnlineStore,
} from "./store.js";

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
  private readonly readTogether: (reads: readonly OnlineRead[]) => (OnlineRecord | undefined)[][];

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 20000");
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
    this.writeBatch(view, rows);
  }

  async read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[][]> {
    // One read transaction for several lookups: SQLite then takes its WAL read lock once, not per row.
    return reads.length === 1 && reads[0]!.keys.length === 1
      ? this.readEach(reads)
      : this.readTogether(reads);
  }

  private readEach(reads: readonly OnlineRead[]): (OnlineRecord | undefined)[][] {
    return reads.map((r) => r.keys.map((key) => this.readOne(r.view, key, r.features)));
  }

  private readOne(view: string, key: string, features: readonly string[]): OnlineRecord | undefined {
    const row = this.select.get(view, key) as [number, string] | undefined;
    if (!row) return undefined;
    const stored = JSON.parse(row[1]) as Record<string, FeatureValue>;
    const values: Record<string, FeatureValue | undefined> = {};
    for (const f of features) values[f] = stored[f];
    return { eventTime: row[0], values };
  }

  async dropView(view: string): Promise<void> {
    this.db.prepare("DELETE FROM online_features WHERE view = ?").run(view);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
