import { Redis } from "ioredis";
import {
  NO_CREATED_TIME,
  type OnlineJsonRecord,
  type OnlineRead,
  type OnlineRecord,
  type OnlineRow,
  type OnlineStore,
  parsedRecords,
} from "./store.js";

/**
 * Newer-wins upsert of many hashes in one script: for each key, ARGV holds its event time, created
 * time, field count and field/value pairs; a stored (event, created) pair that is newer keeps its
 * hash. One EVALSHA per chunk, every chunk in one pipeline: a batch is one round trip, not
 * Feast's read-then-write two.
 */
const UPSERT = `
local a = 1
for i = 1, #KEYS do
  local ts = tonumber(ARGV[a])
  local cr = tonumber(ARGV[a + 1])
  local nf = tonumber(ARGV[a + 2])
  local old = redis.call('HMGET', KEYS[i], '#ts', '#cr')
  local write = true
  if old[1] then
    local ots = tonumber(old[1])
    local ocr = tonumber(old[2])
    if ts < ots or (ts == ots and cr < ocr) then write = false end
  end
  if write then
    local args = {'#ts', ARGV[a], '#cr', ARGV[a + 1]}
    for j = 0, nf - 1 do
      args[#args + 1] = ARGV[a + 3 + 2 * j]
      args[#args + 1] = ARGV[a + 4 + 2 * j]
    end
    redis.call('HSET', KEYS[i], unpack(args))
  end
  a = a + 3 + 2 * nf
end
return #KEYS
`;

/**
 * HMGET of many hashes in one call, answered as one string. ARGV[1] is the number of views; then
 * per view its feature names joined by \x1f (names are identifiers) and its number of keys, whose
 * KEYS follow in order. The answer joins one record per key with \x1e: `#ts` and the values
 * joined by \x1f, a missing field as an empty string (a JSON text never is), a missing hash as an
 * empty record. JSON text never holds a raw control character, so the separators cannot collide.
 * Why: per request this turns ~60 arguments and ~55 reply strings, which cost the client most of
 * a 1 × 50-feature read, into ten arguments and one string.
 */
const READ = `
local parts = {}
local k = 1
local a = 2
for v = 1, tonumber(ARGV[1]) do
  local fields = {'#ts'}
  local names = ARGV[a]
  local from = 1
  while #names > 0 do
    local at = string.find(names, '\\31', from, true)
    if not at then
      fields[#fields + 1] = string.sub(names, from)
      break
    end
    fields[#fields + 1] = string.sub(names, from, at - 1)
    from = at + 1
  end
  for j = 1, tonumber(ARGV[a + 1]) do
    local got = redis.call('HMGET', KEYS[k], unpack(fields))
    if got[1] then
      for f = 2, #got do
        if not got[f] then got[f] = '' end
      end
      parts[k] = table.concat(got, '\\31')
    else
      parts[k] = ''
    end
    k = k + 1
  end
  a = a + 2
end
return table.concat(parts, '\\30')
`;

const FIELD_SEPARATOR = "\x1f";
const RECORD_SEPARATOR = "\x1e";

/** Keys per script call: keeps each call's argument list far below Redis's limits. */
const KEYS_PER_CALL = 256;
const DEFAULT_PREFIX = "gyre:features:";

type ScriptRedis = Redis & {
  gyreUpsert(numKeys: number, ...args: (string | number)[]): Promise<number>;
  gyreRead(numKeys: number, ...args: (string | number)[]): Promise<string>;
};

/**
 * The scale-out online store: one Redis hash per (view, entity key) named
 * `<prefix><view>:<key>`, with fields `#ts` (event time, ms), `#cr` (created time) and one field
 * per feature holding its JSON value ('#' cannot start a feature name, so nothing collides). A
 * read of any number of views and keys is one script call (HMGETs inside Redis).
 */
export class RedisOnlineStore implements OnlineStore {
  readonly kind = "redis";
  private readonly redis: ScriptRedis;

  /** `redis://[user:pass@]host:port[/db][?prefix=...]`; the prefix defaults to `gyre:features:`. */
  constructor(uri: string) {
    const url = new URL(uri);
    this.prefix = url.searchParams.get("prefix") ?? DEFAULT_PREFIX;
    url.search = "";
    this.redis = new Redis(url.toString(), {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: false,
    }) as ScriptRedis;
    this.redis.defineCommand("gyreUpsert", { lua: UPSERT });
    this.redis.defineCommand("gyreRead", { lua: READ });
    // Connection failures reach callers as rejected commands; the event itself needs a listener.
    this.redis.on("error", () => {});
  }

  readonly prefix: string;

  async connect(): Promise<this> {
    await this.redis.connect();
    return this;
  }

  private keyOf(view: string, key: string): string {
    return `${this.prefix}${view}:${key}`;
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<void> {
    if (rows.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (let start = 0; start < rows.length; start += KEYS_PER_CALL) {
      const chunk = rows.slice(start, start + KEYS_PER_CALL);
      const keys = chunk.map((r) => this.keyOf(view, r.key));
      const args: (string | number)[] = [];
      for (const row of chunk) {
        const names = Object.keys(row.values);
        args.push(row.eventTime, row.createdTime ?? NO_CREATED_TIME, names.length);
        for (const name of names) args.push(name, JSON.stringify(row.values[name]));
      }
      (pipeline as unknown as ScriptRedis).gyreUpsert(keys.length, ...keys, ...args);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[][]> {
    return parsedRecords(reads, await this.readJson(reads));
  }

  async readJson(reads: readonly OnlineRead[]): Promise<(OnlineJsonRecord | undefined)[][]> {
    // One script call for every (view, key): one command to encode and answer, not one per hash.
    const keys: string[] = [];
    const args: (string | number)[] = [reads.length];
    for (const r of reads) {
      for (const key of r.keys) keys.push(this.keyOf(r.view, key));
      args.push(this.joinedNames(r.features), r.keys.length);
    }
    if (keys.length === 0) return reads.map(() => []);
    const records = (await this.redis.gyreRead(keys.length, ...keys, ...args)).split(RECORD_SEPARATOR);
    let i = 0;
    return reads.map((r) =>
      r.keys.map(() => {
        const record = records[i++]!;
        if (record === "") return undefined;
        const fields = record.split(FIELD_SEPARATOR);
        const texts: (string | undefined)[] = new Array(r.features.length);
        for (let f = 0; f < r.features.length; f++) texts[f] = fields[f + 1] || undefined;
        return { eventTime: Number(fields[0]), texts };
      }),
    );
  }

  /** A read's feature names as the script takes them; requests repeat the same few lists. */
  private joinedNames(features: readonly string[]): string {
    let joined = this.namesCache.get(features);
    if (joined === undefined) {
      joined = features.join(FIELD_SEPARATOR);
      this.namesCache.set(features, joined);
    }
    return joined;
  }

  private readonly namesCache = new WeakMap<readonly string[], string>();

  async dropView(view: string): Promise<void> {
    await this.deleteMatching(`${view}:*`);
  }

  /** Deletes every key under the prefix (tests and benchmarks clean up their own prefix). */
  async dropAll(): Promise<void> {
    await this.deleteMatching("*");
  }

  /** SCAN in pages and UNLINK what matches `<prefix><pattern>` (the prefix taken literally). */
  private async deleteMatching(pattern: string): Promise<void> {
    const match = `${this.prefix.replace(/[*?[\]\\]/g, "\\$&")}${pattern}`;
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", match, "COUNT", 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
