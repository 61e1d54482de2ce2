import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../store/database.js";

/**
 * `0006_monitoring`: monitors (spec as JSON, hysteresis state, the next scheduled run), their
 * evaluations (one time-series point each, with the report's artifact path), alerts and the
 * cached reference statistics. `monitor_alerts` is read by other parts by id (pipelines poll it
 * for retraining triggers): keep its column names.
 */
export function monitoringMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const serial = (name: string) =>
        dialect === "sqlite"
          ? db.schema.createTable(name).addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
          : db.schema.createTable(name).addColumn("id", "bigserial", (c) => c.primaryKey());

      await db.schema
        .createTable("monitors")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("spec", "text", (c) => c.notNull())
        .addColumn("creator", "text", (c) => c.notNull())
        .addColumn("creation_time", "bigint", (c) => c.notNull())
        .addColumn("last_update_time", "bigint", (c) => c.notNull())
        .addColumn("consecutive_breaches", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("consecutive_ok", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("open_alert_id", "bigint")
        .addColumn("evaluations", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_run_time", "bigint")
        .execute();

      await serial("monitor_evaluations")
        .addColumn("monitor_name", "text", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("window_start", "bigint", (c) => c.notNull())
        .addColumn("window_end", "bigint", (c) => c.notNull())
        .addColumn("evaluated_at", "bigint", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("metric_values", "text", (c) => c.notNull())
        .addColumn("breaches", "text", (c) => c.notNull())
        .addColumn("report_path", "text")
        .addUniqueConstraint("monitor_evaluations_number", ["monitor_name", "number"])
        .execute();

      await serial("monitor_alerts")
        .addColumn("monitor_name", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("fired_at", "bigint", (c) => c.notNull())
        .addColumn("resolved_at", "bigint")
        .addColumn("acknowledged_at", "bigint")
        .addColumn("acknowledged_by", "text")
        .addColumn("details", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("monitor_alerts_monitor")
        .on("monitor_alerts")
        .columns(["monitor_name", "id"])
        .execute();

      await db.schema
        .createTable("monitor_references")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("stats", "text", (c) => c.notNull())
        .addColumn("creation_time", "bigint", (c) => c.notNull())
        .execute();
    },
  };
}
