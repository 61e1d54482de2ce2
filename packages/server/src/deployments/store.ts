import { alreadyExists, deployments, notFound } from "@gyre/core";
import type { Kysely, Transaction } from "kysely";
import type { SqlDialect } from "../store/database.js";
import type { DeploymentRevisionsTable, DeploymentsTable, Schema } from "../store/schema.js";

export interface DeploymentsContext {
  readonly db: Kysely<Schema>;
  readonly dialect: SqlDialect;
  readonly now: () => number;
}

export type RevisionAction = deployments.DeploymentRevision["action"];

/** A deployment as stored: its row and the spec of its current revision. */
export interface StoredDeployment {
  readonly row: DeploymentsTable;
  readonly current: deployments.DeploymentRevision;
}

/** Numbers come back as strings from PostgreSQL's bigint columns. */
function rowOf(row: DeploymentsTable): DeploymentsTable {
  return {
    ...row,
    revision: Number(row.revision),
    creation_time: Number(row.creation_time),
    last_update_time: Number(row.last_update_time),
  };
}

function revisionOf(row: DeploymentRevisionsTable): deployments.DeploymentRevision {
  return {
    revision: Number(row.revision),
    action: row.action as RevisionAction,
    ...(row.previous_revision === null ? {} : { previous_revision: Number(row.previous_revision) }),
    actor: row.actor,
    timestamp: Number(row.timestamp),
    // Written by this module from a validated spec; parsed again so defaults apply to old rows too.
    spec: deployments.DeploymentSpec.parse(JSON.parse(row.spec)),
  };
}

export const deploymentNotFound = (name: string) => notFound(`Deployment '${name}' does not exist.`);

/**
 * Deployments and their revision history in the metadata store. Each change appends a revision
 * and moves the deployment's `revision` in one transaction; on PostgreSQL the deployment's row is
 * locked first, so two concurrent changes get consecutive revision numbers.
 */
export class DeploymentStore {
  constructor(private readonly ctx: DeploymentsContext) {}

  async create(name: string, spec: deployments.DeploymentSpec, actor: string): Promise<StoredDeployment> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom("deployments")
        .select("name")
        .where("name", "=", name)
        .executeTakeFirst();
      if (existing) throw alreadyExists(`Deployment '${name}' already exists.`);
      await tx
        .insertInto("deployments")
        .values({
          name,
          revision: 1,
          creation_time: now,
          last_update_time: now,
          creator: actor,
          last_updated_by: actor,
        })
        .execute();
      await this.insertRevision(tx, name, 1, spec, "create", undefined, actor, now);
      return this.read(tx, name);
    });
  }

  /** Appends a revision; `previous` is what a rollback from the new revision returns to. */
  async append(
    name: string,
    spec: deployments.DeploymentSpec,
    action: RevisionAction,
    previous: number | undefined,
    actor: string,
  ): Promise<StoredDeployment> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      const { row } = await this.read(tx, name, true);
      const revision = row.revision + 1;
      await this.insertRevision(tx, name, revision, spec, action, previous, actor, now);
      await tx
        .updateTable("deployments")
        .set({ revision, last_update_time: now, last_updated_by: actor })
        .where("name", "=", name)
        .execute();
      return this.read(tx, name);
    });
  }

  get(name: string): Promise<StoredDeployment> {
    return this.read(this.ctx.db, name);
  }

  async list(): Promise<StoredDeployment[]> {
    const rows = await this.ctx.db
      .selectFrom("deployments")
      .innerJoin("deployment_revisions", (join) =>
        join
          .onRef("deployment_revisions.name", "=", "deployments.name")
          .onRef("deployment_revisions.revision", "=", "deployments.revision"),
      )
      .selectAll("deployments")
      .select([
        "deployment_revisions.spec",
        "deployment_revisions.action",
        "deployment_revisions.previous_revision",
        "deployment_revisions.actor",
        "deployment_revisions.timestamp",
      ])
      .orderBy("deployments.name")
      .execute();
    return rows.map((r) => ({
      row: rowOf(r),
      current: revisionOf({ ...r, revision: r.revision }),
    }));
  }

  /** One revision of a deployment, or 404. */
  async revision(name: string, revision: number): Promise<deployments.DeploymentRevision> {
    const row = await this.ctx.db
      .selectFrom("deployment_revisions")
      .selectAll()
      .where("name", "=", name)
      .where("revision", "=", revision)
      .executeTakeFirst();
    if (!row) throw notFound(`Deployment '${name}' has no revision ${revision}.`);
    return revisionOf(row);
  }

  /** Newest first. */
  async history(name: string): Promise<deployments.DeploymentRevision[]> {
    const rows = await this.ctx.db
      .selectFrom("deployment_revisions")
      .selectAll()
      .where("name", "=", name)
      .orderBy("revision", "desc")
      .execute();
    return rows.map(revisionOf);
  }

  async delete(name: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.read(tx, name, true);
      // Explicitly, not by cascade: SQLite enforces foreign keys only when asked to.
      await tx.deleteFrom("deployment_revisions").where("name", "=", name).execute();
      await tx.deleteFrom("deployments").where("name", "=", name).execute();
    });
  }

  private async read(
    db: Kysely<Schema> | Transaction<Schema>,
    name: string,
    lock = false,
  ): Promise<StoredDeployment> {
    let query = db.selectFrom("deployments").selectAll().where("name", "=", name);
    if (lock && this.ctx.dialect === "postgres") query = query.forUpdate();
    const found = await query.executeTakeFirst();
    if (!found) throw deploymentNotFound(name);
    const row = rowOf(found);
    const revision = await db
      .selectFrom("deployment_revisions")
      .selectAll()
      .where("name", "=", name)
      .where("revision", "=", row.revision)
      .executeTakeFirstOrThrow();
    return { row, current: revisionOf(revision) };
  }

  private async insertRevision(
    tx: Transaction<Schema>,
    name: string,
    revision: number,
    spec: deployments.DeploymentSpec,
    action: RevisionAction,
    previous: number | undefined,
    actor: string,
    timestamp: number,
  ): Promise<void> {
    await tx
      .insertInto("deployment_revisions")
      .values({
        name,
        revision,
        spec: JSON.stringify(spec),
        action,
        previous_revision: previous ?? null,
        actor,
        timestamp,
      })
      .execute();
  }
}
