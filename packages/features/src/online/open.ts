import { resolve } from "node:path";
import { invalidParameter } from "@gyre/core";
import type { OnlineStore } from "./store.js";

/**
 * The online store a URI names: `sqlite:///relative.db`, `sqlite:////absolute.db` (the metadata
 * store's convention) or a plain path for SQLite, optionally with `?cache_entries=N` (rows kept
 * in memory between reads, 0 = none); `redis://…` / `rediss://…` for Redis. Redis is
 * loaded only when used, and connected before this resolves, so a wrong address fails here.
 */
export async function openOnlineStore(uri: string): Promise<OnlineStore> {
  if (/^rediss?:\/\//i.test(uri)) {
    const { RedisOnlineStore } = await import("./redis.js");
    const store = new RedisOnlineStore(uri);
    try {
      return await store.connect();
    } catch (error) {
      await store.close();
      throw invalidParameter(`Cannot reach the online store at ${redact(uri)}: ${(error as Error).message}`);
    }
  }
  const sqlite = /^sqlite:\/\/\/(.+)$/.exec(uri);
  if (sqlite || !/^[a-z][\w+.-]*:/i.test(uri)) {
    const [path, query] = (sqlite ? sqlite[1]! : uri).split("?", 2) as [string, string | undefined];
    const { SqliteOnlineStore } = await import("./sqlite.js");
    return new SqliteOnlineStore(path === ":memory:" ? path : resolve(path), sqliteOptions(uri, query));
  }
  throw invalidParameter(
    `Unsupported online store URI '${redact(uri)}': expected sqlite:///<path> or redis://<host>:<port>`,
  );
}

/** `?cache_entries=N` (0 turns the read cache off); nothing else is accepted. */
function sqliteOptions(uri: string, query: string | undefined): { cacheEntries?: number } {
  if (query === undefined) return {};
  const options: { cacheEntries?: number } = {};
  for (const [name, value] of new URLSearchParams(query)) {
    if (name !== "cache_entries" || !/^\d{1,9}$/.test(value)) {
      throw invalidParameter(
        `Online store URI '${redact(uri)}': unknown option '${name}=${value}' (sqlite takes cache_entries=<non-negative integer>)`,
      );
    }
    options.cacheEntries = Number(value);
  }
  return options;
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, "//***@");
}
