import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../store/database.js";

/**
 * `0005_features`: the feature registry. `feature_registry` holds one row whose `version` every
 * changing apply bumps in the same transaction as the objects it writes — the online path reads
 * that one number per request to know whether its parsed definitions are current.
 */
export function featuresMigration(_dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("feature_registry")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("version", "bigint", (c) => c.notNull())
        .addColumn("last_update_time", "bigint", (c) => c.notNull())
        .addColumn("last_updated_by", "text")
        .execute();
      await db
        .insertInto("feature_registry" as never)
        .values({ id: 1, version: 0, last_update_time: 0, last_updated_by: null } as never)
        .execute();

      await db.schema
        .createTable("feature_objects")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("spec", "text", (c) => c.notNull())
        .addColumn("version", "bigint", (c) => c.notNull())
        .addColumn("creation_time", "bigint", (c) => c.notNull())
        .addColumn("last_update_time", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("feature_objects_pk", ["kind", "name"])
        .execute();

      await db.schema
        .createTable("feature_registry_log")
        .addColumn("version", "bigint", (c) => c.primaryKey())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("timestamp", "bigint", (c) => c.notNull())
        .addColumn("changes", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("feature_watermarks")
        .addColumn("feature_view", "text", (c) => c.primaryKey())
        .addColumn("watermark", "bigint", (c) => c.notNull())
        .addColumn("last_run_time", "bigint", (c) => c.notNull())
        .addColumn("rows_written", "bigint", (c) => c.notNull())
        .execute();
    },
  };
}
