import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../store/database.js";

/**
 * 0007_pipelines: pipeline runs and their steps, step logs, the step cache by content key,
 * triggers and their firings. A firing's primary key (trigger, event_key) is what makes a trigger
 * fire at most one run per event, however many schedulers poll.
 */
export function pipelinesMigration(dialect: SqlDialect): Migration {
  const bigint = "bigint";
  const text = "text";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("pipeline_runs")
        .addColumn("id", text, (c) => c.primaryKey())
        .addColumn("name", text, (c) => c.notNull())
        .addColumn("status", text, (c) => c.notNull())
        .addColumn("run_id", text)
        .addColumn("experiment_id", text)
        .addColumn("params", text, (c) => c.notNull())
        .addColumn("module", text)
        .addColumn("executor", text, (c) => c.notNull())
        .addColumn("trigger", text)
        .addColumn("event_key", text)
        .addColumn("cancel_requested", "smallint", (c) => c.notNull())
        .addColumn("error", text)
        .addColumn("creation_time", bigint, (c) => c.notNull())
        .addColumn("start_time", bigint)
        .addColumn("end_time", bigint)
        .execute();
      await db.schema
        .createIndex("pipeline_runs_name")
        .on("pipeline_runs")
        .columns(["name", "creation_time"])
        .execute();
      await db.schema.createIndex("pipeline_runs_time").on("pipeline_runs").column("creation_time").execute();

      await db.schema
        .createTable("pipeline_steps")
        .addColumn("pipeline_run_id", text, (c) =>
          c.notNull().references("pipeline_runs.id").onDelete("cascade"),
        )
        .addColumn("name", text, (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("status", text, (c) => c.notNull())
        .addColumn("depends_on", text, (c) => c.notNull())
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("run_id", text)
        .addColumn("cache_key", text)
        .addColumn("cached_from", text)
        .addColumn("outputs", text)
        .addColumn("error", text)
        .addColumn("job_id", text)
        .addColumn("start_time", bigint)
        .addColumn("end_time", bigint)
        .addPrimaryKeyConstraint("pipeline_steps_pk", ["pipeline_run_id", "name"])
        .execute();

      const logs = db.schema.createTable("pipeline_logs");
      await (dialect === "sqlite"
        ? logs.addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement())
        : logs.addColumn("seq", "bigserial", (c) => c.primaryKey())
      )
        .addColumn("pipeline_run_id", text, (c) => c.notNull())
        .addColumn("step", text, (c) => c.notNull())
        .addColumn("timestamp", bigint, (c) => c.notNull())
        .addColumn("text", text, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("pipeline_logs_run")
        .on("pipeline_logs")
        .columns(["pipeline_run_id", "seq"])
        .execute();

      await db.schema
        .createTable("pipeline_cache")
        .addColumn("key", text, (c) => c.primaryKey())
        .addColumn("pipeline", text, (c) => c.notNull())
        .addColumn("step", text, (c) => c.notNull())
        .addColumn("outputs", text, (c) => c.notNull())
        .addColumn("run_id", text)
        .addColumn("creation_time", bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("pipeline_triggers")
        .addColumn("name", text, (c) => c.primaryKey())
        .addColumn("pipeline", text, (c) => c.notNull())
        .addColumn("module", text, (c) => c.notNull())
        .addColumn("spec", text, (c) => c.notNull())
        .addColumn("params", text, (c) => c.notNull())
        .addColumn("executor", text, (c) => c.notNull())
        .addColumn("cursor", bigint, (c) => c.notNull())
        .addColumn("creation_time", bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("pipeline_trigger_firings")
        .addColumn("trigger", text, (c) => c.notNull())
        .addColumn("event_key", text, (c) => c.notNull())
        .addColumn("pipeline_run_id", text, (c) => c.notNull())
        .addColumn("timestamp", bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("pipeline_trigger_firings_pk", ["trigger", "event_key"])
        .execute();
    },
  };
}
