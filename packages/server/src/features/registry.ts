import { features, GyreError, invalidParameter, parseFeatureRepository } from "@gyre/core";
import { directoriesOf, withEngine } from "@gyre/data";
import { checkViewSource, defineSource, FeatureCatalog } from "@gyre/features";
import type { Kysely, Transaction } from "kysely";
import type { Schema } from "../store/schema.js";
import type { FeaturesContext, Req, Res } from "./context.js";
import { diffObjects, objectsOf, repositoryOf, type StoredObject } from "./diff.js";
import { sourceData } from "./sources.js";

type Db = Kysely<Schema> | Transaction<Schema>;

/** The registry as stored at one version. */
export interface RegistryState {
  version: number;
  objects: (StoredObject & { objectVersion: number; creation_time: number; last_update_time: number })[];
}

export async function readRegistry(db: Db): Promise<RegistryState> {
  const head = await db
    .selectFrom("feature_registry")
    .select("version")
    .where("id", "=", 1)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom("feature_objects")
    .selectAll()
    .orderBy("kind")
    .orderBy("position")
    .execute();
  return {
    version: Number(head.version),
    objects: rows.map((r) => ({
      kind: r.kind as features.ObjectKind,
      name: r.name,
      position: Number(r.position),
      spec: JSON.parse(r.spec) as Record<string, unknown>,
      objectVersion: Number(r.version),
      creation_time: Number(r.creation_time),
      last_update_time: Number(r.last_update_time),
    })),
  };
}

/**
 * Plan and apply. A repository is checked as a whole first (references, names, and each new or
 * changed view against its source's actual columns), then `apply` re-reads the registry under a
 * lock inside one transaction, writes every change and bumps the version — or writes nothing.
 */
export class FeatureRegistryService {
  constructor(
    private readonly ctx: FeaturesContext,
    /** Called after an apply that changed the registry, with the views it removed (their online values are dropped). */
    private readonly onApplied: (removedViews: string[]) => Promise<void>,
  ) {}

  async planFeatures(req: Req<"planFeatures">): Promise<Res<"planFeatures">> {
    const desired = await this.checked(req.repository);
    const state = await readRegistry(this.ctx.db);
    await this.checkSources(desired, state);
    return { ...diffObjects(state.objects, objectsOf(desired)), registry_version: state.version };
  }

  async applyFeatures(req: Req<"applyFeatures">, actor: string): Promise<Res<"applyFeatures">> {
    const desired = await this.checked(req.repository);
    await this.checkSources(desired, await readRegistry(this.ctx.db));
    const after = objectsOf(desired);
    const result = await this.ctx.db.transaction().execute(async (trx) => {
      if (this.ctx.dialect === "postgres") {
        await trx.selectFrom("feature_registry").select("version").where("id", "=", 1).forUpdate().execute();
      }
      const state = await readRegistry(trx);
      const diff = diffObjects(state.objects, after);
      if (diff.changes.length === 0) return { ...diff, registry_version: state.version, applied: false };
      const version = state.version + 1;
      const now = this.ctx.now();
      const byKey = new Map(after.map((o) => [`${o.kind}:${o.name}`, o]));
      for (const change of diff.changes) {
        const where = trx
          .deleteFrom("feature_objects")
          .where("kind", "=", change.kind)
          .where("name", "=", change.name);
        if (change.action === "remove") {
          await where.execute();
          if (change.kind === "feature_view") {
            await trx.deleteFrom("feature_watermarks").where("feature_view", "=", change.name).execute();
          }
          continue;
        }
        const o = byKey.get(`${change.kind}:${change.name}`)!;
        const spec = JSON.stringify(o.spec);
        if (change.action === "add") {
          await trx
            .insertInto("feature_objects")
            .values({
              kind: o.kind,
              name: o.name,
              position: o.position,
              spec,
              version,
              creation_time: now,
              last_update_time: now,
            })
            .execute();
        } else {
          await trx
            .updateTable("feature_objects")
            .set({ position: o.position, spec, version, last_update_time: now })
            .where("kind", "=", o.kind)
            .where("name", "=", o.name)
            .execute();
        }
      }
      await trx
        .updateTable("feature_registry")
        .set({ version, last_update_time: now, last_updated_by: actor })
        .where("id", "=", 1)
        .execute();
      await trx
        .insertInto("feature_registry_log")
        .values({ version, actor, timestamp: now, changes: JSON.stringify(diff.changes) })
        .execute();
      return { ...diff, registry_version: version, applied: true };
    });
    const removed = result.changes
      .filter((c) => c.kind === "feature_view" && c.action === "remove")
      .map((c) => c.name);
    if (result.applied) await this.onApplied(removed);
    return result;
  }

  async listFeatures(req: Req<"listFeatures">): Promise<Res<"listFeatures">> {
    const state = await readRegistry(this.ctx.db);
    const marks = await this.ctx.db
      .selectFrom("feature_watermarks")
      .selectAll()
      .orderBy("feature_view")
      .execute();
    return {
      registry_version: state.version,
      objects: state.objects
        .filter((o) => req.kind === undefined || o.kind === req.kind)
        .sort(
          (a, b) =>
            features.OBJECT_KINDS.indexOf(a.kind) - features.OBJECT_KINDS.indexOf(b.kind) ||
            a.position - b.position,
        )
        .map((o) => ({
          kind: o.kind,
          name: o.name,
          spec: o.spec,
          version: o.objectVersion,
          creation_time: o.creation_time,
          last_update_time: o.last_update_time,
        })),
      watermarks: marks.map((m) => ({
        feature_view: m.feature_view,
        watermark: new Date(Number(m.watermark)).toISOString(),
        last_run_time: Number(m.last_run_time),
        rows_written: Number(m.rows_written),
      })),
    };
  }

  /** The repository parsed again (names every object and field) and cross-checked. */
  private async checked(input: unknown): Promise<features.FeatureRepository> {
    const repository = parseFeatureRepository(input);
    new FeatureCatalog(repository);
    return repository;
  }

  /** Each added or changed view (or one whose source changed) against its source's columns. */
  private async checkSources(desired: features.FeatureRepository, state: RegistryState): Promise<void> {
    const catalog = new FeatureCatalog(desired);
    const diff = diffObjects(state.objects, objectsOf(desired));
    const touched = new Set(
      diff.changes.filter((c) => c.action !== "remove").map((c) => `${c.kind}:${c.name}`),
    );
    const views = [...catalog.views.values()].filter(
      (v) => touched.has(`feature_view:${v.def.name}`) || touched.has(`source:${v.source.name}`),
    );
    for (const view of views) {
      const data = await sourceData(this.ctx, view.source);
      await withEngine(
        { allowedDirectories: directoriesOf(data.files.map((f) => f.path)) },
        async (engine) => {
          const table = await defineSource(engine, "source_check", data).catch((error: unknown) => {
            // A source's query fails here first: name the source and its field, as for its files.
            if (data.sql === undefined || !(error instanceof GyreError)) throw error;
            throw invalidParameter(`source '${view.source.name}': field 'sql': ${error.message}`);
          });
          checkViewSource(view, table);
        },
      );
    }
  }
}

/** Repository of the stored state (for the online and offline paths). */
export function catalogOf(state: RegistryState): FeatureCatalog {
  return new FeatureCatalog(repositoryOf(state.objects));
}
