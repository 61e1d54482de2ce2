import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../store/database.js";

/**
 * `0008_feature_materialize_jobs`: materialization jobs, so that every process of the server
 * answers a poll and a job whose process stopped is reported as interrupted. `job` is the job as
 * the API returns it (JSON); `status` repeats its status for queries; `owner` names the process
 * running it, which rewrites the row (and `heartbeat_time`) on every change and about once a second.
 */
export function materializeJobsMigration(_dialect: SqlDialect): Migration {
  const bigint = "bigint";
  const text = "text";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("feature_materialize_jobs")
        .addColumn("job_id", text, (c) => c.primaryKey())
        .addColumn("status", text, (c) => c.notNull())
        .addColumn("job", text, (c) => c.notNull())
        .addColumn("owner", text, (c) => c.notNull())
        .addColumn("heartbeat_time", bigint, (c) => c.notNull())
        .addColumn("start_time", bigint, (c) => c.notNull())
        .addColumn("end_time", bigint)
        .execute();
      // Finding running jobs (the stale sweep) and the newest finished ones (retention).
      await db.schema
        .createIndex("feature_materialize_jobs_status")
        .on("feature_materialize_jobs")
        .columns(["status", "end_time"])
        .execute();
    },
  };
}
