import type { FeatureValue } from "@gyre/core";

/** One entity's latest row of one view, as materialization writes it. */
export interface OnlineRow {
  /** encodeKey() of the view's join key values. */
  readonly key: string;
  /** Event time, epoch ms: reads compare it with the view's ttl. */
  readonly eventTime: number;
  /** Created time, epoch ms, or null: breaks ties between equal event times. */
  readonly createdTime: number | null;
  /** Every feature of the view, typed (timestamps as epoch ms). */
  readonly values: Readonly<Record<string, FeatureValue>>;
}

/** What one read asks for: some features of one view, for some entity keys. */
export interface OnlineRead {
  readonly view: string;
  readonly keys: readonly string[];
  readonly features: readonly string[];
}

/** A stored row as read back: its event time and the requested features (absent = never written). */
export interface OnlineRecord {
  readonly eventTime: number;
  readonly values: Readonly<Record<string, FeatureValue | undefined>>;
}

/** A stored row as read back with each requested feature's JSON text, in the read's order (undefined = never written). */
export interface OnlineJsonRecord {
  readonly eventTime: number;
  readonly texts: readonly (string | undefined)[];
}

/** read() from readJson(): each text parsed (the stores keep every value as JSON text). */
export function parsedRecords(
  reads: readonly OnlineRead[],
  records: readonly (OnlineJsonRecord | undefined)[][],
): (OnlineRecord | undefined)[][] {
  return records.map((list, r) =>
    list.map((record) => {
      if (record === undefined) return undefined;
      const values: Record<string, FeatureValue | undefined> = {};
      const features = reads[r]!.features;
      for (let f = 0; f < features.length; f++) {
        const text = record.texts[f];
        values[features[f]!] = text === undefined ? undefined : (JSON.parse(text) as FeatureValue);
      }
      return { eventTime: record.eventTime, values };
    }),
  );
}

/**
 * The online store: the latest row per (view, entity key). Writes are newer-wins — a row replaces
 * the stored one only when its (event time, created time) is not older — so re-running a window,
 * or materializing an older one after a newer one, never moves a value back in time. One call is
 * one round trip whatever its size. Backends: SQLite (embedded default) and Redis (scale-out),
 * chosen by URI in openOnlineStore(); both pass the same conformance suite.
 */
export interface OnlineStore {
  readonly kind: "sqlite" | "redis";
  write(view: string, rows: readonly OnlineRow[]): Promise<void>;
  /** For each read, for each of its keys, the record or undefined. */
  read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[][]>;
  /** As read, with each value as its stored JSON text (no parse: the HTTP answer copies it). */
  readJson(reads: readonly OnlineRead[]): Promise<(OnlineJsonRecord | undefined)[][]>;
  /** Drops every value of a view (the view was removed from the registry). */
  dropView(view: string): Promise<void>;
  close(): Promise<void>;
}

/** The smallest created time: a row without one loses every tie against a row with one. */
export const NO_CREATED_TIME = Number.MIN_SAFE_INTEGER;
