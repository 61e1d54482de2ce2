import { resolve } from "node:path";
import { invalidParameter } from "@gyre/core";
import type { OnlineStore } from "./store.js";

/**
 * The online store a URI names: `sqlite:///relative.db`, `sqlite:////absolute.db` (the metadata
 * store's convention) or a plain path for SQLite; `redis://…` / `rediss://…` for Redis. Redis is
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
    const path = sqlite ? sqlite[1]! : uri;
    const { SqliteOnlineStore } = await import("./sqlite.js");
    return new SqliteOnlineStore(path === ":memory:" ? path : resolve(path));
  }
  throw invalidParameter(
    `Unsupported online store URI '${redact(uri)}': expected sqlite:///<path> or redis://<host>:<port>`,
  );
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, "//***@");
}
