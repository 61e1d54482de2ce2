import { randomUUID } from "node:crypto";
import { invalidParameter, LIMITS, notFound, validateKey, validateLength } from "@gyre/core";
import type { Kysely, Transaction } from "kysely";
import type { RunsTable, Schema } from "../store/schema.js";
import { type Lifecycle, type Req, type Res, requireRunId, type TrackingContext } from "./context.js";
import type { ExperimentService } from "./experiments.js";
import { indexes, Prepared } from "./prepared.js";
import { randomRunName } from "./run-names.js";
import { loadRuns, RUN_COLUMNS, runInfoOf } from "./run-reader.js";

export const RUN_NAME_TAG = "mlflow.runName";

type Db = Kysely<Schema> | Transaction<Schema>;
type KeyValue = { key: string; value: string };

// The statements of the hot paths (create, log, update), compiled once per database.
const insertRun = new Prepared<RunsTable>((db, $) =>
  db.insertInto("runs").values({
    run_uuid: $("run_uuid"),
    experiment_id: $("experiment_id"),
    name: $("name"),
    user_id: $("user_id"),
    status: $("status"),
    start_time: $("start_time"),
    end_time: $("end_time"),
    deleted_time: $("deleted_time"),
    lifecycle_stage: $("lifecycle_stage"),
    artifact_uri: $("artifact_uri"),
  }),
);

/** `size` rows of (runId, tags[i]); `update` decides between keeping and replacing a stored value. */
function tagInsert(update: boolean) {
  return new Prepared<{ runId: string; tags: readonly KeyValue[] }>((db, $, size) => {
    const insert = db.insertInto("tags").values(
      indexes(size).map((i) => ({
        run_uuid: $("runId"),
        key: $("tags", i, "key"),
        value: $("tags", i, "value"),
      })),
    );
    return insert.onConflict((oc) => {
      const target = oc.columns(["run_uuid", "key"]);
      return update ? target.doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })) : target.doNothing();
    });
  });
}
const insertNewTags = tagInsert(false);
const upsertTags = tagInsert(true);

const renameRun = new Prepared<{ runId: string; name: string }>((db, $) =>
  db
    .updateTable("runs")
    .set({ name: $("name") })
    .where("run_uuid", "=", $("runId")),
);

const runState = new Prepared<{ runId: string }, Pick<RunsTable, "lifecycle_stage" | "experiment_id">>(
  (db, $) =>
    db.selectFrom("runs").select(["lifecycle_stage", "experiment_id"]).where("run_uuid", "=", $("runId")),
);

type RunChanges = Partial<Pick<RunsTable, "status" | "end_time" | "name">>;
const CHANGE_FIELDS = ["status", "end_time", "name"] as const;

/** Updates the fields whose bit is set in `size` on an active run, returning the row. */
const updateActiveRun = new Prepared<{ runId: string; changes: RunChanges }, RunsTable>((db, $, size) => {
  const set: Record<string, never> = {};
  CHANGE_FIELDS.forEach((field, bit) => {
    if (size & (1 << bit)) set[field] = $("changes", field);
  });
  return (
    db
      .updateTable("runs")
      .set(set)
      .where("run_uuid", "=", $("runId"))
      .where("lifecycle_stage", "=", "active")
      // Named columns, not *: a prepared statement's result shape must not move under it.
      .returning(RUN_COLUMNS)
  );
});

const activeRun = new Prepared<{ runId: string }, RunsTable>((db, $) =>
  db
    .selectFrom("runs")
    .select(RUN_COLUMNS)
    .where("run_uuid", "=", $("runId"))
    .where("lifecycle_stage", "=", "active"),
);

export class RunService {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly experiments: ExperimentService,
  ) {}

  async createRun(req: Req<"createRun">): Promise<Res<"createRun">> {
    const experiment = await this.experiments.experimentRow(req.experiment_id);
    if (experiment.lifecycle_stage !== "active") {
      throw invalidParameter(
        `The experiment ${req.experiment_id} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      );
    }
    const tags = (req.tags ?? []).filter((t) => t.key !== RUN_NAME_TAG);
    for (const tag of req.tags ?? []) validateRunTag(tag.key, tag.value);
    const nameTag = req.tags?.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (req.run_name && nameTag !== undefined && nameTag !== req.run_name) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${req.run_name}', mlflow.runName='${nameTag}').`,
      );
    }
    const name = req.run_name || nameTag || randomRunName();
    validateRunTag(RUN_NAME_TAG, name);
    tags.push({ key: RUN_NAME_TAG, value: name });
    const runId = randomUUID().replaceAll("-", "");
    const row: RunsTable = {
      run_uuid: runId,
      experiment_id: Number(experiment.experiment_id),
      name,
      user_id: req.user_id ?? null,
      status: "RUNNING",
      start_time: req.start_time ?? this.ctx.now(),
      end_time: null,
      deleted_time: null,
      lifecycle_stage: "active",
      artifact_uri: `${experiment.artifact_location}/${runId}/artifacts`,
    };
    await this.ctx.db.transaction().execute(async (trx) => {
      await insertRun.execute(trx, row);
      await insertNewTags.execute(trx, { runId, tags }, tags.length);
    });
    tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { run: { info: runInfoOf(row), data: { tags }, inputs: {} } };
  }

  async getRun(req: Req<"getRun">): Promise<Res<"getRun">> {
    const runId = requireRunId(req);
    const [run] = await loadRuns(this.ctx.db, [runId]);
    if (!run) throw runNotFound(runId);
    return { run };
  }

  async updateRun(req: Req<"updateRun">): Promise<Res<"updateRun">> {
    const runId = requireRunId(req);
    const changes: RunChanges = {};
    if (req.status !== undefined) changes.status = req.status;
    if (req.end_time !== undefined) changes.end_time = req.end_time;
    if (req.run_name) {
      validateRunTag(RUN_NAME_TAG, req.run_name);
      changes.name = req.run_name;
    }
    // One statement in the common case (status + end time): update the active run and return it.
    const apply = async (db: Db) => {
      let fields = 0;
      CHANGE_FIELDS.forEach((field, bit) => {
        if (changes[field] !== undefined) fields |= 1 << bit;
      });
      const [row] =
        fields > 0
          ? await updateActiveRun.rows(db, { runId, changes }, fields)
          : await activeRun.rows(db, { runId });
      if (!row) {
        await requireActiveRun(db, runId); // throws the precise error: unknown or not active
        throw runNotFound(runId);
      }
      if (req.run_name) await upsertRunTags(db, runId, [{ key: RUN_NAME_TAG, value: req.run_name }]);
      return row;
    };
    const row = req.run_name ? await this.ctx.db.transaction().execute(apply) : await apply(this.ctx.db);
    return { run_info: runInfoOf(row) };
  }

  async deleteRun(req: Req<"deleteRun">): Promise<Res<"deleteRun">> {
    await this.setLifecycle(req.run_id, "deleted");
    return {};
  }

  async restoreRun(req: Req<"restoreRun">): Promise<Res<"restoreRun">> {
    await this.setLifecycle(req.run_id, "active");
    return {};
  }

  private async setLifecycle(runId: string, stage: Lifecycle): Promise<void> {
    const result = await this.ctx.db
      .updateTable("runs")
      .set({ lifecycle_stage: stage, deleted_time: stage === "deleted" ? this.ctx.now() : null })
      .where("run_uuid", "=", runId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw runNotFound(runId);
  }
}

export function runNotFound(runId: string) {
  return notFound(`Run with id=${runId} not found`);
}

/** The run's artifact root URI; RESOURCE_DOES_NOT_EXIST for an unknown run. */
export async function runArtifactUri(db: Db, runId: string): Promise<string> {
  const run = await db
    .selectFrom("runs")
    .select("artifact_uri")
    .where("run_uuid", "=", runId)
    .executeTakeFirst();
  if (!run) throw runNotFound(runId);
  return run.artifact_uri;
}

/** Writes to a run need it to exist and be active; returns its experiment. */
export async function requireActiveRun(db: Db, runId: string): Promise<{ experiment_id: number }> {
  const [run] = await runState.rows(db, { runId });
  if (!run) throw runNotFound(runId);
  if (run.lifecycle_stage !== "active") {
    throw invalidParameter(
      `The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`,
    );
  }
  return { experiment_id: Number(run.experiment_id) };
}

export function validateRunTag(key: string, value: string): void {
  validateKey("tag", key);
  validateLength("Tag value", value, LIMITS.runTagValueLength);
}

/** Upserts tags; the run-name tag also renames the run, as in MLflow. */
export async function upsertRunTags(
  db: Db,
  runId: string,
  tags: readonly { key: string; value: string }[],
): Promise<void> {
  if (tags.length === 0) return;
  // One row per key (last wins): PostgreSQL refuses to upsert the same row twice in one statement.
  const latest = [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));
  await upsertTags.execute(db, { runId, tags: latest }, latest.length);
  const rename = tags.findLast((t) => t.key === RUN_NAME_TAG);
  if (rename) await renameRun.execute(db, { runId, name: rename.value });
}
