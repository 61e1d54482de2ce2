import { invalidParameter, type ModelVersion } from "@gyre/core";
import type { ArtifactService } from "../artifacts/service.js";
import type { ModelVersionsTable } from "../store/schema.js";
import { metricOf } from "../tracking/run-reader.js";
import { runArtifactUri } from "../tracking/runs.js";
import { appendAudit } from "./audit.js";
import {
  type Actor,
  canonicalStage,
  type Db,
  lockVersion,
  type RegistryContext,
  type Req,
  type Res,
  requireModel,
  requireVersion,
  UNKNOWN_ACTOR,
  validateRegistryTag,
} from "./context.js";
import { type ModelManifest, readModelManifest } from "./manifest.js";
import { isModelUri, isRunsUri, type ModelUriResolver, parseRunsUri } from "./model-uri.js";
import { materializeVersions, modelVersionOf } from "./reader.js";
import {
  invalidLocalSource,
  isInsideRunArtifacts,
  isLocalSource,
  localPath,
  proxiedPath,
  proxiedRunCandidate,
  validateRemoteSource,
} from "./sources.js";

/** Stages that `archive_existing_versions` may empty: MLflow's "active" stages. */
const ACTIVE_STAGES = ["Staging", "Production"];

/** Where a new version's files are and which run made them, resolved before the write. */
interface ResolvedSource {
  runId: string | undefined;
  storageLocation: string;
}

/** Model versions: registration (numbering, sources, manifests, run metrics), stages, tags. */
export class ModelVersionService {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly artifacts: ArtifactService,
    private readonly uris: ModelUriResolver,
  ) {}

  async createModelVersion(req: Req<"createModelVersion">, actor: Actor): Promise<Res<"createModelVersion">> {
    const tags = new Map((req.tags ?? []).map((t) => [t.key, t.value]));
    for (const [key, value] of tags) validateRegistryTag("Model version", key, value);
    // The model first, as MLflow's store checks it: an unknown model is named before the source.
    await requireModel(this.ctx.db, this.ctx.dialect, req.name);
    const { runId, storageLocation } = await this.resolveSource(req.source, req.run_id || undefined);
    // File I/O happens before the transaction, which then only writes rows.
    const manifest: ModelManifest = await readModelManifest(this.artifacts, storageLocation);
    const runMetrics = runId === undefined ? null : await this.runMetrics(runId);

    const now = this.ctx.now();
    const row = await this.ctx.db.transaction().execute(async (trx) => {
      // Locking the model serialises concurrent registrations, so max+1 is never taken twice.
      const model = await requireModel(trx, this.ctx.dialect, req.name, true);
      const { max } = await trx
        .selectFrom("model_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("name", "=", req.name)
        .executeTakeFirstOrThrow();
      const row: ModelVersionsTable = {
        name: req.name,
        version: Number(max ?? 0) + 1,
        creation_time: now,
        last_updated_time: now,
        description: req.description ?? null,
        user_id: actor === UNKNOWN_ACTOR ? null : actor,
        current_stage: "None",
        source: req.source,
        storage_location: storageLocation,
        run_id: runId ?? null,
        run_link: req.run_link || null,
        status: "READY",
        status_message: null,
        deleted_time: null,
        format: manifest.format ?? null,
        signature: manifest.signature ?? null,
        input_example: manifest.inputExample ?? null,
        run_metrics: runMetrics,
      };
      await trx.insertInto("model_versions").values(row).execute();
      if (tags.size > 0) {
        await trx
          .insertInto("model_version_tags")
          .values([...tags].map(([key, value]) => ({ name: req.name, version: row.version, key, value })))
          .execute();
      }
      await touchModel(trx, req.name, now);
      await appendAudit(trx, {
        model,
        version: row.version,
        action: "create_version",
        actor,
        timestamp: now,
        after: { source: req.source, run_id: row.run_id, stage: row.current_stage },
      });
      return row;
    });
    const sortedTags = [...tags]
      .map(([key, value]) => ({ key, value }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { model_version: modelVersionOf(row, sortedTags) };
  }

  async getModelVersion(req: Req<"getModelVersion">): Promise<Res<"getModelVersion">> {
    return { model_version: await this.versionOf(req.name, req.version) };
  }

  async updateModelVersion(req: Req<"updateModelVersion">, actor: Actor): Promise<Res<"updateModelVersion">> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const { model, row } = await lockVersion(trx, this.ctx.dialect, req.name, req.version);
      const description = req.description === undefined ? row.description : req.description;
      const now = this.ctx.now();
      await trx
        .updateTable("model_versions")
        .set({ description, last_updated_time: now })
        .where("name", "=", req.name)
        .where("version", "=", row.version)
        .execute();
      await appendAudit(trx, {
        model,
        version: row.version,
        action: "update_version",
        actor,
        timestamp: now,
        before: { description: row.description },
        after: { description },
      });
      return { model_version: await this.versionOf(req.name, req.version, trx) };
    });
  }

  /** Soft delete: hidden from every read, aliases removed, the number never reused. */
  async deleteModelVersion(req: Req<"deleteModelVersion">, actor: Actor): Promise<Res<"deleteModelVersion">> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const { model, row } = await lockVersion(trx, this.ctx.dialect, req.name, req.version);
      const aliases = await trx
        .selectFrom("registered_model_aliases")
        .select("alias")
        .where("name", "=", req.name)
        .where("version", "=", row.version)
        .orderBy("alias")
        .execute();
      await trx
        .deleteFrom("registered_model_aliases")
        .where("name", "=", req.name)
        .where("version", "=", row.version)
        .execute();
      const now = this.ctx.now();
      await trx
        .updateTable("model_versions")
        .set({ deleted_time: now, last_updated_time: now })
        .where("name", "=", req.name)
        .where("version", "=", row.version)
        .execute();
      await touchModel(trx, req.name, now);
      await appendAudit(trx, {
        model,
        version: row.version,
        action: "delete_version",
        actor,
        timestamp: now,
        before: { stage: row.current_stage, source: row.source, aliases: aliases.map((a) => a.alias) },
      });
    });
    return {};
  }

  async transitionModelVersionStage(
    req: Req<"transitionModelVersionStage">,
    actor: Actor,
  ): Promise<Res<"transitionModelVersionStage">> {
    const stage = canonicalStage(req.stage);
    if (req.archive_existing_versions && !ACTIVE_STAGES.includes(stage)) {
      throw invalidParameter(
        `Model version transition cannot archive existing model versions because '${req.stage}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
      );
    }
    return this.ctx.db.transaction().execute(async (trx) => {
      const { model, row } = await lockVersion(trx, this.ctx.dialect, req.name, req.version);
      const now = this.ctx.now();
      const archived = req.archive_existing_versions
        ? await trx
            .selectFrom("model_versions")
            .select("version")
            .where("name", "=", req.name)
            .where("version", "<>", row.version)
            .where("current_stage", "=", stage)
            .where("deleted_time", "is", null)
            .orderBy("version")
            .execute()
        : [];
      if (archived.length > 0) {
        await trx
          .updateTable("model_versions")
          .set({ current_stage: "Archived", last_updated_time: now })
          .where("name", "=", req.name)
          .where(
            "version",
            "in",
            archived.map((a) => a.version),
          )
          .execute();
      }
      await trx
        .updateTable("model_versions")
        .set({ current_stage: stage, last_updated_time: now })
        .where("name", "=", req.name)
        .where("version", "=", row.version)
        .execute();
      await touchModel(trx, req.name, now);
      await appendAudit(trx, [
        {
          model,
          version: row.version,
          action: "transition_stage",
          actor,
          timestamp: now,
          before: { stage: row.current_stage },
          after: { stage },
        },
        ...archived.map((a) => ({
          model,
          version: a.version,
          action: "transition_stage" as const,
          actor,
          timestamp: now,
          before: { stage },
          after: { stage: "Archived", archived_by: String(row.version) },
        })),
      ]);
      return { model_version: await this.versionOf(req.name, req.version, trx) };
    });
  }

  async getModelVersionDownloadUri(
    req: Req<"getModelVersionDownloadUri">,
  ): Promise<Res<"getModelVersionDownloadUri">> {
    const row = await requireVersion(this.ctx.db, req.name, req.version);
    return { artifact_uri: row.storage_location };
  }

  async setModelVersionTag(req: Req<"setModelVersionTag">, actor: Actor): Promise<Res<"setModelVersionTag">> {
    validateRegistryTag("Model version", req.key, req.value);
    await this.ctx.db.transaction().execute(async (trx) => {
      const { model, row } = await lockVersion(trx, this.ctx.dialect, req.name, req.version);
      const old = await versionTag(trx, row, req.key);
      await trx
        .insertInto("model_version_tags")
        .values({ name: req.name, version: row.version, key: req.key, value: req.value })
        .onConflict((oc) => oc.columns(["name", "version", "key"]).doUpdateSet({ value: req.value }))
        .execute();
      await appendAudit(trx, {
        model,
        version: row.version,
        action: "set_version_tag",
        actor,
        timestamp: this.ctx.now(),
        before: old === undefined ? undefined : { key: req.key, value: old },
        after: { key: req.key, value: req.value },
      });
    });
    return {};
  }

  /** As MLflow: the version must exist; an absent tag is not an error (and changes nothing). */
  async deleteModelVersionTag(
    req: Req<"deleteModelVersionTag">,
    actor: Actor,
  ): Promise<Res<"deleteModelVersionTag">> {
    validateRegistryTag("Model version", req.key, "");
    await this.ctx.db.transaction().execute(async (trx) => {
      const { model, row } = await lockVersion(trx, this.ctx.dialect, req.name, req.version);
      const old = await versionTag(trx, row, req.key);
      if (old === undefined) return;
      await trx
        .deleteFrom("model_version_tags")
        .where("name", "=", req.name)
        .where("version", "=", row.version)
        .where("key", "=", req.key)
        .execute();
      await appendAudit(trx, {
        model,
        version: row.version,
        action: "delete_version_tag",
        actor,
        timestamp: this.ctx.now(),
        before: { key: req.key, value: old },
      });
    });
    return {};
  }

  /** A live version with its tags and aliases. */
  async versionOf(name: string, version: string, db: Db = this.ctx.db): Promise<ModelVersion> {
    const row = await requireVersion(db, name, version);
    const [materialized] = await materializeVersions(db, [row]);
    return materialized!;
  }

  /**
   * Validates a source as MLflow does and works out where its files are and which run made them:
   * runs:/ and models:/ sources are resolved; a proxied source inside a run's artifacts names
   * that run.
   */
  private async resolveSource(source: string, runId: string | undefined): Promise<ResolvedSource> {
    if (isLocalSource(source)) {
      if (runId === undefined) throw invalidLocalSource(source);
      const artifactUri = await runArtifactUri(this.ctx.db, runId);
      // MLflow names the resolved path in this message.
      if (!isInsideRunArtifacts(source, artifactUri)) throw invalidLocalSource(localPath(source));
      return { runId, storageLocation: source };
    }
    validateRemoteSource(source);
    if (isRunsUri(source)) {
      const parsed = parseRunsUri(source);
      if (runId !== undefined && runId !== parsed.runId) {
        throw invalidParameter(
          `Invalid model version source: '${source}' lies in run ${parsed.runId}, but run_id is ${runId}.`,
        );
      }
      return { runId: parsed.runId, storageLocation: await this.uris.runArtifactUri(parsed) };
    }
    if (isModelUri(source)) {
      const version = await this.uris.resolveVersion(source);
      return { runId: runId ?? version.run_id ?? undefined, storageLocation: version.storage_location };
    }
    return { runId: runId ?? (await this.proxiedSourceRun(source)), storageLocation: source };
  }

  /** The run whose artifact root contains a mlflow-artifacts: source, if any. */
  private async proxiedSourceRun(source: string): Promise<string | undefined> {
    const candidate = proxiedRunCandidate(source);
    if (candidate === undefined) return undefined;
    const run = await this.ctx.db
      .selectFrom("runs")
      .select(["run_uuid", "artifact_uri"])
      .where("run_uuid", "=", candidate)
      .executeTakeFirst();
    if (!run?.artifact_uri.startsWith("mlflow-artifacts:")) return undefined;
    const root = proxiedPath(run.artifact_uri);
    const path = proxiedPath(source);
    return path === root || path.startsWith(`${root}/`) ? run.run_uuid : undefined;
  }

  /** The run's latest metrics as JSON `[{key, value}]`, or null for a run unknown here. */
  private async runMetrics(runId: string): Promise<string | null> {
    const rows = await this.ctx.db
      .selectFrom("latest_metrics")
      .selectAll()
      .where("run_uuid", "=", runId)
      .orderBy("key")
      .execute();
    if (rows.length === 0) return null;
    return JSON.stringify(
      rows.map((row) => {
        const { key, value } = metricOf(row);
        return { key, value };
      }),
    );
  }
}

async function versionTag(db: Db, row: ModelVersionsTable, key: string): Promise<string | undefined> {
  const tag = await db
    .selectFrom("model_version_tags")
    .select("value")
    .where("name", "=", row.name)
    .where("version", "=", row.version)
    .where("key", "=", key)
    .executeTakeFirst();
  return tag?.value;
}

/** A model's last_updated_timestamp moves when its versions change, as in MLflow. */
export async function touchModel(db: Db, name: string, now: number): Promise<void> {
  await db
    .updateTable("registered_models")
    .set({ last_updated_time: now })
    .where("name", "=", name)
    .execute();
}
