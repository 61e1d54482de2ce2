import {
  alreadyExists,
  GyreError,
  invalidParameter,
  LIMITS,
  notFound,
  type tracking,
  validateKey,
  validateLength,
} from "@gyre/core";
import { type SqlBool, sql } from "kysely";
import { localPathOf } from "../artifacts/store.js";
import { EXPERIMENT_SEARCH, parseFilter, parseOrderBy } from "../search/filter.js";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { and, compare, orderTerm } from "../search/sql.js";
import type { ExperimentsTable } from "../store/schema.js";
import {
  experimentKey,
  type Lifecycle,
  nonEmpty,
  type Req,
  type Res,
  type TrackingContext,
} from "./context.js";
import { Prepared } from "./prepared.js";

type Experiment = tracking.Experiment;

export type ExperimentRow = Omit<ExperimentsTable, "experiment_id"> & { experiment_id: number };

const experimentById = new Prepared<{ id: number }, ExperimentRow>((db, $) =>
  db
    .selectFrom("experiments")
    .select([
      "experiment_id",
      "name",
      "artifact_location",
      "lifecycle_stage",
      "creation_time",
      "last_update_time",
    ])
    .where("experiment_id", "=", $("id")),
);

const PROXY_SCHEME = "mlflow-artifacts:";

export class ExperimentService {
  constructor(private readonly ctx: TrackingContext) {}

  async createExperiment(req: Req<"createExperiment">): Promise<Res<"createExperiment">> {
    validateLength("Experiment name", req.name, LIMITS.experimentNameLength);
    if (req.artifact_location !== undefined) validateArtifactLocation(req.artifact_location);
    const tags = req.tags ?? [];
    for (const tag of tags) validateExperimentTag(tag.key, tag.value);

    const now = this.ctx.now();
    const id = await this.ctx.db.transaction().execute(async (trx) => {
      const clash = await trx
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", req.name)
        .executeTakeFirst();
      if (clash) throw alreadyExists(`Experiment(name=${req.name}) already exists.`);
      const inserted = await trx
        .insertInto("experiments")
        .values({
          name: req.name,
          artifact_location: req.artifact_location ?? "",
          lifecycle_stage: "active",
          creation_time: now,
          last_update_time: now,
        })
        .returning("experiment_id")
        .executeTakeFirstOrThrow();
      const experimentId = Number(inserted.experiment_id);
      if (!req.artifact_location) {
        await trx
          .updateTable("experiments")
          .set({ artifact_location: `${PROXY_SCHEME}/${experimentId}` })
          .where("experiment_id", "=", experimentId)
          .execute();
      }
      if (tags.length > 0) {
        // One row per key (last wins): PostgreSQL refuses to upsert a row twice in one statement.
        const unique = new Map(tags.map((t) => [t.key, t.value]));
        await trx
          .insertInto("experiment_tags")
          .values([...unique].map(([key, value]) => ({ experiment_id: experimentId, key, value })))
          .onConflict((oc) =>
            oc.columns(["experiment_id", "key"]).doUpdateSet({ value: sql`excluded.value` }),
          )
          .execute();
      }
      return experimentId;
    });
    return { experiment_id: String(id) };
  }

  async getExperiment(req: Req<"getExperiment">): Promise<Res<"getExperiment">> {
    return { experiment: await this.experimentById(req.experiment_id) };
  }

  async getExperimentByName(req: Req<"getExperimentByName">): Promise<Res<"getExperimentByName">> {
    const rows = await this.ctx.db
      .selectFrom("experiments")
      .selectAll()
      .where("name", "=", req.experiment_name)
      .execute();
    const row = rows.find((r) => r.lifecycle_stage === "active") ?? rows[0];
    if (!row) throw notFound(`Could not find experiment with name '${req.experiment_name}'`);
    const [experiment] = await this.withTags([row]);
    return { experiment: experiment! };
  }

  async searchExperiments(req: Req<"searchExperiments">): Promise<Res<"searchExperiments">> {
    const clauses = parseFilter(req.filter, EXPERIMENT_SEARCH);
    const order = parseOrderBy(req.order_by, EXPERIMENT_SEARCH);
    const maxResults = req.max_results ?? 1000;
    const offset = decodePageToken(req.page_token);

    const where = [lifecycleCondition(req.view_type ?? "ACTIVE_ONLY")];
    for (const clause of clauses) {
      if (clause.entity === "tag") {
        where.push(sql`exists (select 1 from experiment_tags t where t.experiment_id = e.experiment_id
          and t.key = ${clause.key} and ${compare(sql.ref("t.value"), clause.comparator, clause.value)})`);
      } else {
        where.push(compare(sql.ref(`e.${clause.key}`), clause.comparator, clause.value));
      }
    }
    const orderBy = order.map((term) => orderTerm(sql.ref(`e.${term.key}`), term));
    if (order.length === 0) orderBy.push(sql`e.creation_time desc`);
    orderBy.push(sql`e.experiment_id asc`);

    const { rows } = await sql<ExperimentRow>`select e.* from experiments e where ${and(where)}
      order by ${sql.join(orderBy)} limit ${maxResults + 1} offset ${offset}`.execute(this.ctx.db);
    const page = rows.slice(0, maxResults);
    return {
      experiments: nonEmpty(await this.withTags(page)),
      next_page_token: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }

  async updateExperiment(req: Req<"updateExperiment">): Promise<Res<"updateExperiment">> {
    validateLength("Experiment name", req.new_name, LIMITS.experimentNameLength);
    const experiment = await this.experimentById(req.experiment_id);
    if (experiment.lifecycle_stage !== "active") {
      throw new GyreError("INVALID_STATE", "Cannot rename a non-active experiment.");
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      const clash = await trx
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", req.new_name)
        .where("experiment_id", "<>", Number(experiment.experiment_id))
        .executeTakeFirst();
      if (clash) throw alreadyExists(`Experiment(name=${req.new_name}) already exists.`);
      await trx
        .updateTable("experiments")
        .set({ name: req.new_name, last_update_time: this.ctx.now() })
        .where("experiment_id", "=", Number(experiment.experiment_id))
        .execute();
    });
    return {};
  }

  async deleteExperiment(req: Req<"deleteExperiment">): Promise<Res<"deleteExperiment">> {
    await this.setLifecycle(req.experiment_id, "deleted");
    return {};
  }

  async restoreExperiment(req: Req<"restoreExperiment">): Promise<Res<"restoreExperiment">> {
    await this.setLifecycle(req.experiment_id, "active");
    return {};
  }

  async setExperimentTag(req: Req<"setExperimentTag">): Promise<Res<"setExperimentTag">> {
    validateExperimentTag(req.key, req.value);
    const experiment = await this.requireActive(req.experiment_id);
    await this.ctx.db
      .insertInto("experiment_tags")
      .values({ experiment_id: experiment, key: req.key, value: req.value })
      .onConflict((oc) => oc.columns(["experiment_id", "key"]).doUpdateSet({ value: req.value }))
      .execute();
    return {};
  }

  async deleteExperimentTag(req: Req<"deleteExperimentTag">): Promise<Res<"deleteExperimentTag">> {
    const experiment = await this.requireActive(req.experiment_id);
    const result = await this.ctx.db
      .deleteFrom("experiment_tags")
      .where("experiment_id", "=", experiment)
      .where("key", "=", req.key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw notFound(`No tag with name: ${req.key} in experiment with id ${req.experiment_id}`);
    }
    return {};
  }

  async experimentById(experimentId: string): Promise<Experiment> {
    const [experiment] = await this.withTags([await this.experimentRow(experimentId)]);
    return experiment!;
  }

  /** The experiment's own row, without tags: what creating a run in it needs. */
  async experimentRow(experimentId: string): Promise<ExperimentRow> {
    const [row] = await experimentById.rows(this.ctx.db, { id: experimentKey(experimentId) });
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return row;
  }

  private async requireActive(experimentId: string): Promise<number> {
    const experiment = await this.experimentById(experimentId);
    if (experiment.lifecycle_stage !== "active") {
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      );
    }
    return Number(experiment.experiment_id);
  }

  private async setLifecycle(experimentId: string, stage: Lifecycle): Promise<void> {
    const id = Number((await this.experimentById(experimentId)).experiment_id);
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("experiments")
        .set({ lifecycle_stage: stage, last_update_time: now })
        .where("experiment_id", "=", id)
        .execute();
      await trx
        .updateTable("runs")
        .set({ lifecycle_stage: stage, deleted_time: stage === "deleted" ? now : null })
        .where("experiment_id", "=", id)
        .execute();
    });
  }

  private async withTags(rows: readonly ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const tags = await this.ctx.db
      .selectFrom("experiment_tags")
      .select(["experiment_id", "key", "value"])
      .where(
        "experiment_id",
        "in",
        rows.map((r) => Number(r.experiment_id)),
      )
      .orderBy("key")
      .execute();
    const byExperiment = new Map<number, { key: string; value: string }[]>();
    for (const tag of tags) {
      const list = byExperiment.get(Number(tag.experiment_id)) ?? [];
      list.push({ key: tag.key, value: tag.value });
      byExperiment.set(Number(tag.experiment_id), list);
    }
    return rows.map((row) => ({
      experiment_id: String(row.experiment_id),
      name: row.name,
      artifact_location: row.artifact_location,
      lifecycle_stage: row.lifecycle_stage as Lifecycle,
      last_update_time: Number(row.last_update_time),
      creation_time: Number(row.creation_time),
      tags: nonEmpty(byExperiment.get(Number(row.experiment_id)) ?? []),
    }));
  }
}

export function lifecycleCondition(viewType: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL", alias = "e") {
  const column = sql.ref(`${alias}.lifecycle_stage`);
  if (viewType === "ALL") return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`${column} = ${viewType === "ACTIVE_ONLY" ? "active" : "deleted"}`;
}

function validateExperimentTag(key: string, value: string): void {
  validateKey("tag", key);
  validateLength("Experiment tag value", value, LIMITS.experimentTagValueLength);
}

function validateArtifactLocation(location: string): void {
  validateLength("artifact_location", location, LIMITS.artifactLocationLength);
  if (location.startsWith("file:")) localPathOf(location);
  if (location.startsWith("runs:")) {
    throw invalidParameter(`Invalid artifact_location '${location}': 'runs:' URIs are not allowed.`);
  }
  if (/[?#]/.test(location)) {
    throw invalidParameter(
      `Invalid artifact_location '${location}': URL query parameters and fragments are not allowed.`,
    );
  }
}
