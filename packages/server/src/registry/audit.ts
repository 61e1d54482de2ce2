import type { AuditAction, AuditEntry } from "@gyre/core";
import type { Selectable } from "kysely";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import type { RegistryAuditTable } from "../store/schema.js";
import { nonEmpty } from "../tracking/context.js";
import {
  type Actor,
  type Db,
  modelNotFound,
  parseVersion,
  type RegistryContext,
  type Req,
  type Res,
} from "./context.js";

export type AuditState = Record<string, unknown>;

/** One change, written by the service that makes it, inside the change's own transaction. */
export interface AuditRecord {
  model: { model_id: number; name: string };
  version?: number;
  action: AuditAction;
  actor: Actor;
  timestamp: number;
  before?: AuditState;
  after?: AuditState;
}

export async function appendAudit(db: Db, records: AuditRecord | readonly AuditRecord[]): Promise<void> {
  const list = Array.isArray(records) ? records : [records as AuditRecord];
  if (list.length === 0) return;
  await db
    .insertInto("registry_audit")
    .values(
      list.map((r) => ({
        model_id: r.model.model_id,
        name: r.model.name,
        version: r.version ?? null,
        action: r.action,
        actor: r.actor,
        timestamp: r.timestamp,
        before: r.before === undefined ? null : JSON.stringify(r.before),
        after: r.after === undefined ? null : JSON.stringify(r.after),
      })),
    )
    .execute();
}

function entryOf(row: Selectable<RegistryAuditTable>): AuditEntry {
  return {
    id: Number(row.id),
    name: row.name,
    version: row.version === null ? undefined : String(row.version),
    action: row.action as AuditAction,
    actor: row.actor,
    timestamp: Number(row.timestamp),
    before: row.before === null ? undefined : (JSON.parse(row.before) as AuditState),
    after: row.after === null ? undefined : (JSON.parse(row.after) as AuditState),
  };
}

/**
 * Reads the audit log. A model's log follows it by its surrogate id, so entries written under an
 * earlier name (before a rename) stay in its history; a deleted model's log is found by the names
 * it had, and stays readable after the delete — also once a new model takes the name, whose
 * history then holds the earlier model's too, deletion included. A live model renamed away is
 * not part of the old name's history: it has its own.
 */
export class AuditService {
  constructor(private readonly ctx: RegistryContext) {}

  async getRegistryAudit(req: Req<"getRegistryAudit">): Promise<Res<"getRegistryAudit">> {
    const version = req.version === undefined ? undefined : parseVersion(req.version);
    const maxResults = req.max_results ?? 100;
    const offset = decodePageToken(req.page_token);
    const modelIds = await this.modelIdsOf(req.name);
    let query = this.ctx.db.selectFrom("registry_audit").selectAll().where("model_id", "in", modelIds);
    if (version !== undefined) {
      // A version's history also holds the alias moves away from it: those entries are filed under
      // the version the alias moved to, with this one in `before` (written by JSON.stringify as
      // {"alias":…,"version":"N"}, so the version is the text's exact end).
      query = query.where((eb) =>
        eb.or([
          eb("version", "=", version),
          eb.and([eb("action", "=", "set_alias"), eb("before", "like", `%"version":"${version}"}`)]),
        ]),
      );
    }
    const rows = await query
      .orderBy("id", "desc")
      .limit(maxResults + 1)
      .offset(offset)
      .execute();
    return {
      entries: nonEmpty(rows.slice(0, maxResults).map((r) => entryOf(r))),
      next_page_token: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }

  /** The live model's id, and the ids of deleted models that once had this name. */
  private async modelIdsOf(name: string): Promise<number[]> {
    const db = this.ctx.db;
    const live = await db
      .selectFrom("registered_models")
      .select("model_id")
      .where("name", "=", name)
      .executeTakeFirst();
    const deleted = await db
      .selectFrom("registry_audit")
      .select("model_id")
      .distinct()
      .where("name", "=", name)
      .where("model_id", "not in", db.selectFrom("registered_models").select("model_id"))
      .execute();
    const ids = [...(live ? [Number(live.model_id)] : []), ...deleted.map((r) => Number(r.model_id))];
    if (ids.length === 0) throw modelNotFound(name);
    return ids;
  }
}
