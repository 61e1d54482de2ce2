import { type Kysely, type Migration, type MigrationProvider, sql } from "kysely";
import { materializeJobsMigration } from "../features/jobs-migration.js";
import { featuresMigration } from "../features/migration.js";
import { monitoringMigration } from "../monitoring/migration.js";
import { pipelinesMigration } from "../pipelines/migration.js";
import type { SqlDialect } from "./database.js";

/**
 * Versioned schema migrations, applied in name order on start. Kysely's migrator takes an
 * advisory lock on PostgreSQL, so servers starting together against one database serialise here.
 * Never edit a released migration: add the next one.
 */
function migrations(dialect: SqlDialect): Record<string, Migration> {
  const bigint = "bigint";
  const text = "text";
  // SQLite's clustered WITHOUT ROWID layout keeps a metric's history contiguous on disk.
  const clustered = dialect === "sqlite" ? sql`without rowid` : sql``;

  return {
    "0001_tracking": {
      async up(db: Kysely<unknown>) {
        const experiments = db.schema.createTable("experiments");
        await (dialect === "sqlite"
          ? experiments.addColumn("experiment_id", "integer", (c) => c.primaryKey().autoIncrement())
          : experiments.addColumn("experiment_id", "bigserial", (c) => c.primaryKey())
        )
          .addColumn("name", text, (c) => c.notNull().unique())
          .addColumn("artifact_location", text, (c) => c.notNull())
          .addColumn("lifecycle_stage", text, (c) => c.notNull())
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .addColumn("last_update_time", bigint, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("experiment_tags")
          .addColumn("experiment_id", bigint, (c) =>
            c.notNull().references("experiments.experiment_id").onDelete("cascade"),
          )
          .addColumn("key", text, (c) => c.notNull())
          .addColumn("value", text, (c) => c.notNull())
          .addPrimaryKeyConstraint("experiment_tags_pk", ["experiment_id", "key"])
          .modifyEnd(clustered)
          .execute();

        await db.schema
          .createTable("runs")
          .addColumn("run_uuid", text, (c) => c.primaryKey())
          .addColumn("experiment_id", bigint, (c) => c.notNull().references("experiments.experiment_id"))
          .addColumn("name", text, (c) => c.notNull())
          .addColumn("user_id", text)
          .addColumn("status", text, (c) => c.notNull())
          .addColumn("start_time", bigint, (c) => c.notNull())
          .addColumn("end_time", bigint)
          .addColumn("deleted_time", bigint)
          .addColumn("lifecycle_stage", text, (c) => c.notNull())
          .addColumn("artifact_uri", text, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("runs_experiment_start")
          .on("runs")
          .columns(["experiment_id", "start_time"])
          .execute();

        for (const table of ["params", "tags"]) {
          await db.schema
            .createTable(table)
            .addColumn("run_uuid", text, (c) => c.notNull().references("runs.run_uuid").onDelete("cascade"))
            .addColumn("key", text, (c) => c.notNull())
            .addColumn("value", text, (c) => c.notNull())
            .addPrimaryKeyConstraint(`${table}_pk`, ["run_uuid", "key"])
            .modifyEnd(clustered)
            .execute();
          // No (key, value) index: run search probes each candidate run's primary key, and every
          // extra index is one more B-tree written per logged param or tag.
        }

        const chunks = db.schema.createTable("metric_chunks");
        await (dialect === "sqlite"
          ? chunks.addColumn("chunk_id", "integer", (c) => c.primaryKey().autoIncrement())
          : chunks.addColumn("chunk_id", "bigserial", (c) => c.primaryKey())
        )
          .addColumn("run_uuid", text, (c) => c.notNull().references("runs.run_uuid").onDelete("cascade"))
          .addColumn("key", text, (c) => c.notNull())
          .addColumn("point_count", "integer", (c) => c.notNull())
          .addColumn("digest", text, (c) => c.notNull())
          .addColumn("points", dialect === "sqlite" ? "blob" : "bytea", (c) => c.notNull())
          // A retried batch carries the same digest and is stored once.
          .addUniqueConstraint("metric_chunks_identity", ["run_uuid", "key", "digest"])
          .execute();

        await db.schema
          .createTable("latest_metrics")
          .addColumn("run_uuid", text, (c) => c.notNull().references("runs.run_uuid").onDelete("cascade"))
          .addColumn("key", text, (c) => c.notNull())
          .addColumn("timestamp", bigint, (c) => c.notNull())
          .addColumn("step", bigint, (c) => c.notNull())
          .addColumn("value", "double precision", (c) => c.notNull())
          .addColumn("is_nan", "smallint", (c) => c.notNull())
          .addPrimaryKeyConstraint("latest_metrics_pk", ["run_uuid", "key"])
          .modifyEnd(clustered)
          .execute();

        await db.schema
          .createTable("datasets")
          .addColumn("dataset_uuid", text, (c) => c.primaryKey())
          .addColumn("experiment_id", bigint, (c) =>
            c.notNull().references("experiments.experiment_id").onDelete("cascade"),
          )
          .addColumn("name", text, (c) => c.notNull())
          .addColumn("digest", text, (c) => c.notNull())
          .addColumn("source_type", text, (c) => c.notNull())
          .addColumn("source", text, (c) => c.notNull())
          .addColumn("schema", text)
          .addColumn("profile", text)
          .addUniqueConstraint("datasets_identity", ["experiment_id", "name", "digest"])
          .execute();

        await db.schema
          .createTable("inputs")
          .addColumn("input_uuid", text, (c) => c.primaryKey())
          .addColumn("dataset_uuid", text, (c) =>
            c.notNull().references("datasets.dataset_uuid").onDelete("cascade"),
          )
          .addColumn("run_uuid", text, (c) => c.notNull().references("runs.run_uuid").onDelete("cascade"))
          .addUniqueConstraint("inputs_link", ["run_uuid", "dataset_uuid"])
          .execute();

        await db.schema
          .createTable("input_tags")
          .addColumn("input_uuid", text, (c) =>
            c.notNull().references("inputs.input_uuid").onDelete("cascade"),
          )
          .addColumn("key", text, (c) => c.notNull())
          .addColumn("value", text, (c) => c.notNull())
          .addPrimaryKeyConstraint("input_tags_pk", ["input_uuid", "key"])
          .execute();

        // Experiment "0" exists from the start, as MLflow clients resolve it without asking.
        const now = Date.now();
        await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
          values (0, 'Default', 'mlflow-artifacts:/0', 'active', ${now}, ${now})`.execute(db);
      },
    },

    // The model registry. Children reference the model by name (as MLflow's schema does) with
    // ON UPDATE CASCADE, so a rename is one UPDATE of registered_models that carries versions,
    // tags and aliases along on both dialects. The audit log has no foreign key: it outlives
    // deletions, and follows a model through renames by its surrogate model_id.
    "0002_registry": {
      async up(db: Kysely<unknown>) {
        const models = db.schema.createTable("registered_models");
        await (dialect === "sqlite"
          ? models.addColumn("model_id", "integer", (c) => c.primaryKey().autoIncrement())
          : models.addColumn("model_id", "bigserial", (c) => c.primaryKey())
        )
          .addColumn("name", text, (c) => c.notNull().unique())
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .addColumn("last_updated_time", bigint, (c) => c.notNull())
          .addColumn("description", text)
          .execute();

        await db.schema
          .createTable("registered_model_tags")
          .addColumn("name", text, (c) =>
            c.notNull().references("registered_models.name").onDelete("cascade").onUpdate("cascade"),
          )
          .addColumn("key", text, (c) => c.notNull())
          .addColumn("value", text, (c) => c.notNull())
          .addPrimaryKeyConstraint("registered_model_tags_pk", ["name", "key"])
          .modifyEnd(clustered)
          .execute();

        // A deleted version keeps its row (deleted_time set), so max(version)+1 never reuses it.
        await db.schema
          .createTable("model_versions")
          .addColumn("name", text, (c) =>
            c.notNull().references("registered_models.name").onDelete("cascade").onUpdate("cascade"),
          )
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .addColumn("last_updated_time", bigint, (c) => c.notNull())
          .addColumn("description", text)
          .addColumn("user_id", text)
          .addColumn("current_stage", text, (c) => c.notNull())
          .addColumn("source", text, (c) => c.notNull())
          // Where the files are: the source with runs:/ and models:/ resolved (get-download-uri).
          .addColumn("storage_location", text, (c) => c.notNull())
          .addColumn("run_id", text)
          .addColumn("run_link", text)
          .addColumn("status", text, (c) => c.notNull())
          .addColumn("status_message", text)
          .addColumn("deleted_time", bigint)
          .addColumn("format", text)
          .addColumn("signature", text)
          .addColumn("input_example", text)
          .addColumn("run_metrics", text)
          .addPrimaryKeyConstraint("model_versions_pk", ["name", "version"])
          .execute();
        await db.schema.createIndex("model_versions_run_id").on("model_versions").column("run_id").execute();

        await db.schema
          .createTable("model_version_tags")
          .addColumn("name", text, (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("key", text, (c) => c.notNull())
          .addColumn("value", text, (c) => c.notNull())
          .addPrimaryKeyConstraint("model_version_tags_pk", ["name", "version", "key"])
          .addForeignKeyConstraint(
            "model_version_tags_version",
            ["name", "version"],
            "model_versions",
            ["name", "version"],
            (fk) => fk.onDelete("cascade").onUpdate("cascade"),
          )
          .modifyEnd(clustered)
          .execute();

        // Only the version reference cascades: a second cascade on `name` straight from
        // registered_models would update the same row twice in one statement.
        await db.schema
          .createTable("registered_model_aliases")
          .addColumn("name", text, (c) => c.notNull())
          .addColumn("alias", text, (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("registered_model_aliases_pk", ["name", "alias"])
          .addForeignKeyConstraint(
            "registered_model_aliases_version",
            ["name", "version"],
            "model_versions",
            ["name", "version"],
            (fk) => fk.onDelete("cascade").onUpdate("cascade"),
          )
          .execute();

        const audit = db.schema.createTable("registry_audit");
        await (dialect === "sqlite"
          ? audit.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
          : audit.addColumn("id", "bigserial", (c) => c.primaryKey())
        )
          .addColumn("model_id", bigint, (c) => c.notNull())
          .addColumn("name", text, (c) => c.notNull())
          .addColumn("version", "integer")
          .addColumn("action", text, (c) => c.notNull())
          .addColumn("actor", text, (c) => c.notNull())
          .addColumn("timestamp", bigint, (c) => c.notNull())
          .addColumn("before", text)
          .addColumn("after", text)
          .execute();
        await db.schema
          .createIndex("registry_audit_model")
          .on("registry_audit")
          .columns(["model_id", "id"])
          .execute();
        await db.schema.createIndex("registry_audit_name").on("registry_audit").column("name").execute();
      },
    },

    // Datasets (Gyre's own; MLflow's run-input `datasets` table is a different thing). A name row
    // exists to be locked while the next version number is taken; versions are immutable and
    // content-addressed per name (one version per digest); validation results are appended.
    "0003_datasets": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("dataset_names")
          .addColumn("name", text, (c) => c.primaryKey())
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("dataset_versions")
          .addColumn("name", text, (c) => c.notNull().references("dataset_names.name").onDelete("cascade"))
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("digest", text, (c) => c.notNull())
          .addColumn("location", text, (c) => c.notNull())
          .addColumn("source", text, (c) => c.notNull())
          .addColumn("sql", text)
          .addColumn("format", text, (c) => c.notNull())
          .addColumn("files", text, (c) => c.notNull())
          .addColumn("size_bytes", bigint, (c) => c.notNull())
          .addColumn("schema", text, (c) => c.notNull())
          .addColumn("row_count", bigint, (c) => c.notNull())
          .addColumn("profile", text, (c) => c.notNull())
          .addColumn("description", text)
          .addColumn("creator", text)
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .addPrimaryKeyConstraint("dataset_versions_pk", ["name", "version"])
          // Registering identical content again finds this row instead of adding one.
          .addUniqueConstraint("dataset_versions_digest", ["name", "digest"])
          .execute();

        const validations = db.schema.createTable("dataset_validations");
        await (dialect === "sqlite"
          ? validations.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
          : validations.addColumn("id", "bigserial", (c) => c.primaryKey())
        )
          .addColumn("name", text, (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("suite", text, (c) => c.notNull())
          .addColumn("reference", text)
          .addColumn("success", "smallint", (c) => c.notNull())
          .addColumn("result", text, (c) => c.notNull())
          .addColumn("creator", text)
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .addForeignKeyConstraint(
            "dataset_validations_version",
            ["name", "version"],
            "dataset_versions",
            ["name", "version"],
            (fk) => fk.onDelete("cascade"),
          )
          .execute();
        await db.schema
          .createIndex("dataset_validations_version")
          .on("dataset_validations")
          .columns(["name", "version", "id"])
          .execute();
      },
    },

    // The feature registry: objects, its version counter, apply log, watermarks (see features/migration.ts).
    "0005_features": featuresMigration(dialect),

    // Monitoring: monitors, evaluations, alerts, cached reference statistics (see monitoring/migration.ts).
    "0006_monitoring": monitoringMigration(dialect),

    // Pipelines: runs, steps, logs, the step cache, triggers and firings (see pipelines/migration.ts).
    "0007_pipelines": pipelinesMigration(dialect),

    // Feature materialization jobs, durable and shared by every process (see features/jobs-migration.ts).
    "0008_feature_materialize_jobs": materializeJobsMigration(dialect),

    // Named deployments served by the tracking server. The deployment row holds the current
    // revision; every change appends a revision (its whole spec as JSON, who, when, and the
    // revision a rollback from it returns to), so history survives restarts and rollback is a lookup.
    "0004_deployments": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("deployments")
          .addColumn("name", text, (c) => c.primaryKey())
          .addColumn("revision", "integer", (c) => c.notNull())
          .addColumn("creation_time", bigint, (c) => c.notNull())
          .addColumn("last_update_time", bigint, (c) => c.notNull())
          .addColumn("creator", text, (c) => c.notNull())
          .addColumn("last_updated_by", text, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("deployment_revisions")
          .addColumn("name", text, (c) => c.notNull().references("deployments.name").onDelete("cascade"))
          .addColumn("revision", "integer", (c) => c.notNull())
          .addColumn("spec", text, (c) => c.notNull())
          .addColumn("action", text, (c) => c.notNull())
          .addColumn("previous_revision", "integer")
          .addColumn("actor", text, (c) => c.notNull())
          .addColumn("timestamp", bigint, (c) => c.notNull())
          .addPrimaryKeyConstraint("deployment_revisions_pk", ["name", "revision"])
          .modifyEnd(clustered)
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
