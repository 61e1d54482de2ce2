import { alreadyExists, type RegisteredModel } from "@gyre/core";
import { nonEmpty } from "../tracking/context.js";
import { appendAudit } from "./audit.js";
import {
  type Actor,
  canonicalStage,
  type Db,
  type RegistryContext,
  type Req,
  type Res,
  requireModel,
  validateRegistryTag,
} from "./context.js";
import { latestVersionRows, materializeModels, materializeVersions } from "./reader.js";

const exists = (name: string) => alreadyExists(`Registered Model (name=${name}) already exists.`);

/** Registered models: create, read, rename, describe, delete, tag, and latest versions per stage. */
export class RegisteredModelService {
  constructor(private readonly ctx: RegistryContext) {}

  async createRegisteredModel(
    req: Req<"createRegisteredModel">,
    actor: Actor,
  ): Promise<Res<"createRegisteredModel">> {
    const tags = new Map((req.tags ?? []).map((t) => [t.key, t.value]));
    for (const [key, value] of tags) validateRegistryTag("Registered model", key, value);
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const clash = await trx
        .selectFrom("registered_models")
        .select("name")
        .where("name", "=", req.name)
        .executeTakeFirst();
      if (clash) throw exists(req.name);
      const { model_id } = await trx
        .insertInto("registered_models")
        .values({
          name: req.name,
          creation_time: now,
          last_updated_time: now,
          description: req.description ?? null,
        })
        .returning("model_id")
        .executeTakeFirstOrThrow()
        .catch((error: unknown) => {
          // A concurrent create of the same name won the race: the same answer as the check.
          throw isUniqueViolation(error) ? exists(req.name) : error;
        });
      if (tags.size > 0) {
        await trx
          .insertInto("registered_model_tags")
          .values([...tags].map(([key, value]) => ({ name: req.name, key, value })))
          .execute();
      }
      await appendAudit(trx, {
        model: { model_id: Number(model_id), name: req.name },
        action: "create_model",
        actor,
        timestamp: now,
        after: {
          description: req.description ?? null,
          ...(tags.size > 0 ? { tags: Object.fromEntries(tags) } : {}),
        },
      });
      return { registered_model: await this.modelByName(req.name, trx) };
    });
  }

  async getRegisteredModel(req: Req<"getRegisteredModel">): Promise<Res<"getRegisteredModel">> {
    return { registered_model: await this.modelByName(req.name) };
  }

  async renameRegisteredModel(
    req: Req<"renameRegisteredModel">,
    actor: Actor,
  ): Promise<Res<"renameRegisteredModel">> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      if (req.new_name !== req.name) {
        const clash = await trx
          .selectFrom("registered_models")
          .select("name")
          .where("name", "=", req.new_name)
          .executeTakeFirst();
        if (clash) throw exists(req.new_name);
      }
      // ON UPDATE CASCADE carries versions, their tags and aliases, and the model's tags.
      await trx
        .updateTable("registered_models")
        .set({ name: req.new_name, last_updated_time: now })
        .where("model_id", "=", model.model_id)
        .execute()
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? exists(req.new_name) : error;
        });
      await trx
        .updateTable("model_versions")
        .set({ last_updated_time: now })
        .where("name", "=", req.new_name)
        .execute();
      // Renaming to the same name touches the timestamps, as MLflow does, but changes nothing to audit.
      if (req.new_name !== req.name)
        await appendAudit(trx, {
          model: { model_id: model.model_id, name: req.new_name },
          action: "rename_model",
          actor,
          timestamp: now,
          before: { name: req.name },
          after: { name: req.new_name },
        });
      return { registered_model: await this.modelByName(req.new_name, trx) };
    });
  }

  async updateRegisteredModel(
    req: Req<"updateRegisteredModel">,
    actor: Actor,
  ): Promise<Res<"updateRegisteredModel">> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      const description = req.description === undefined ? model.description : req.description;
      await trx
        .updateTable("registered_models")
        .set({ description, last_updated_time: now })
        .where("model_id", "=", model.model_id)
        .execute();
      await appendAudit(trx, {
        model,
        action: "update_model",
        actor,
        timestamp: now,
        before: { description: model.description },
        after: { description },
      });
      return { registered_model: await this.modelByName(req.name, trx) };
    });
  }

  async deleteRegisteredModel(
    req: Req<"deleteRegisteredModel">,
    actor: Actor,
  ): Promise<Res<"deleteRegisteredModel">> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      const versions = await trx
        .selectFrom("model_versions")
        .select("version")
        .where("name", "=", req.name)
        .where("deleted_time", "is", null)
        .orderBy("version")
        .execute();
      const aliases = await trx
        .selectFrom("registered_model_aliases")
        .select(["alias", "version"])
        .where("name", "=", req.name)
        .orderBy("alias")
        .execute();
      // Versions, their tags and aliases, and the model's tags go with it (ON DELETE CASCADE).
      await trx.deleteFrom("registered_models").where("model_id", "=", model.model_id).execute();
      await appendAudit(trx, {
        model,
        action: "delete_model",
        actor,
        timestamp: this.ctx.now(),
        before: {
          description: model.description,
          versions: versions.map((v) => String(v.version)),
          aliases: Object.fromEntries(aliases.map((a) => [a.alias, String(a.version)])),
        },
      });
    });
    return {};
  }

  async setRegisteredModelTag(
    req: Req<"setRegisteredModelTag">,
    actor: Actor,
  ): Promise<Res<"setRegisteredModelTag">> {
    validateRegistryTag("Registered model", req.key, req.value);
    await this.ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      const old = await modelTag(trx, req.name, req.key);
      await trx
        .insertInto("registered_model_tags")
        .values({ name: req.name, key: req.key, value: req.value })
        .onConflict((oc) => oc.columns(["name", "key"]).doUpdateSet({ value: req.value }))
        .execute();
      await appendAudit(trx, {
        model,
        action: "set_model_tag",
        actor,
        timestamp: this.ctx.now(),
        before: old === undefined ? undefined : { key: req.key, value: old },
        after: { key: req.key, value: req.value },
      });
    });
    return {};
  }

  /** As MLflow: the model must exist; an absent tag is not an error (and changes nothing). */
  async deleteRegisteredModelTag(
    req: Req<"deleteRegisteredModelTag">,
    actor: Actor,
  ): Promise<Res<"deleteRegisteredModelTag">> {
    validateRegistryTag("Registered model", req.key, "");
    await this.ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      const old = await modelTag(trx, req.name, req.key);
      if (old === undefined) return;
      await trx
        .deleteFrom("registered_model_tags")
        .where("name", "=", req.name)
        .where("key", "=", req.key)
        .execute();
      await appendAudit(trx, {
        model,
        action: "delete_model_tag",
        actor,
        timestamp: this.ctx.now(),
        before: { key: req.key, value: old },
      });
    });
    return {};
  }

  async getLatestVersions(req: Req<"getLatestVersions">): Promise<Res<"getLatestVersions">> {
    const stages = req.stages?.length ? new Set(req.stages.map(canonicalStage)) : undefined;
    await requireModel(this.ctx.db, this.ctx.dialect, req.name);
    const rows = (await latestVersionRows(this.ctx.db, [req.name], stages)).get(req.name) ?? [];
    return { model_versions: nonEmpty(await materializeVersions(this.ctx.db, rows)) };
  }

  async modelByName(name: string, db: Db = this.ctx.db): Promise<RegisteredModel> {
    const row = await requireModel(db, this.ctx.dialect, name);
    const [model] = await materializeModels(db, [row]);
    return model!;
  }
}

async function modelTag(db: Db, name: string, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("registered_model_tags")
    .select("value")
    .where("name", "=", name)
    .where("key", "=", key)
    .executeTakeFirst();
  return row?.value;
}

/** A unique-constraint violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
