import { appendAudit } from "./audit.js";
import {
  type Actor,
  isLatestAlias,
  lockVersion,
  type RegistryContext,
  type Req,
  type Res,
  requireModel,
  validateAlias,
} from "./context.js";
import type { ModelUriResolver } from "./model-uri.js";
import { materializeVersions } from "./reader.js";

/**
 * Aliases (`champion`, `challenger`, ...). Setting one is a single upsert inside the model's
 * locked transaction, so a move is atomic: readers see the old version or the new one, and the
 * audit entry records exactly that before → after.
 */
export class AliasService {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly uris: ModelUriResolver,
  ) {}

  async setRegisteredModelAlias(
    req: Req<"setRegisteredModelAlias">,
    actor: Actor,
  ): Promise<Res<"setRegisteredModelAlias">> {
    validateAlias(req.alias);
    await this.ctx.db.transaction().execute(async (trx) => {
      const { model, row } = await lockVersion(trx, this.ctx.dialect, req.name, req.version);
      const old = await trx
        .selectFrom("registered_model_aliases")
        .select("version")
        .where("name", "=", req.name)
        .where("alias", "=", req.alias)
        .executeTakeFirst();
      await trx
        .insertInto("registered_model_aliases")
        .values({ name: req.name, alias: req.alias, version: row.version })
        .onConflict((oc) => oc.columns(["name", "alias"]).doUpdateSet({ version: row.version }))
        .execute();
      await appendAudit(trx, {
        model,
        version: row.version,
        action: "set_alias",
        actor,
        timestamp: this.ctx.now(),
        before: old === undefined ? undefined : { alias: req.alias, version: String(old.version) },
        after: { alias: req.alias, version: String(row.version) },
      });
    });
    return {};
  }

  /** As MLflow: the model must exist; an absent alias is not an error (and changes nothing). */
  async deleteRegisteredModelAlias(
    req: Req<"deleteRegisteredModelAlias">,
    actor: Actor,
  ): Promise<Res<"deleteRegisteredModelAlias">> {
    validateAlias(req.alias);
    await this.ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      const old = await trx
        .selectFrom("registered_model_aliases")
        .select("version")
        .where("name", "=", req.name)
        .where("alias", "=", req.alias)
        .executeTakeFirst();
      if (old === undefined) return;
      await trx
        .deleteFrom("registered_model_aliases")
        .where("name", "=", req.name)
        .where("alias", "=", req.alias)
        .execute();
      await appendAudit(trx, {
        model,
        version: old.version,
        action: "delete_alias",
        actor,
        timestamp: this.ctx.now(),
        before: { alias: req.alias, version: String(old.version) },
      });
    });
    return {};
  }

  /**
   * An unknown alias is 400 INVALID_PARAMETER_VALUE, not 404: what MLflow answers. The reserved
   * `latest` names the newest live version (MLflow 3), so models:/name@latest loads.
   */
  async getModelVersionByAlias(req: Req<"getModelVersionByAlias">): Promise<Res<"getModelVersionByAlias">> {
    if (!isLatestAlias(req.alias)) validateAlias(req.alias);
    const row = await this.uris.resolveVersion({ kind: "alias", name: req.name, alias: req.alias });
    const [version] = await materializeVersions(this.ctx.db, [row]);
    return { model_version: version! };
  }
}
