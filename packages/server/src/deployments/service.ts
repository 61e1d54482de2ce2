import {
  type deployments,
  GyreError,
  invalidParameter,
  type RouteNames,
  type RouteRequest,
  type RouteResponse,
} from "@gyre/core";
import type { ModelUriResolver } from "../registry/model-uri.js";
import type { DeploymentEngine } from "./engine.js";
import { type ResolvedSpec, refuseShadowedArms, resolveSpec, sameServing } from "./resolve.js";
import type { DeploymentStore, StoredDeployment } from "./store.js";

type Routes = typeof deployments;
type Req<K extends RouteNames<Routes>> = RouteRequest<Routes, K>;
type Res<K extends RouteNames<Routes>> = RouteResponse<Routes, K>;

/**
 * The deployments API. A change is validated and resolved against the registry (400 naming the
 * field), then served (when this server serves deployments: loaded and warmed, then switched),
 * and only then recorded as a revision — so a change that cannot be served is never stored.
 * Changes in this process run one at a time (they are rare; loading a model is the slow part).
 */
export class DeploymentService {
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: DeploymentStore,
    private readonly uris: ModelUriResolver,
    /** Absent when this process only manages specs (the CLI's in-process store). */
    private readonly engine: DeploymentEngine | undefined,
  ) {}

  createDeployment(req: Req<"createDeployment">, actor: string): Promise<Res<"createDeployment">> {
    return this.serialised(async () => {
      const resolved = await resolveSpec(this.uris, req.spec, "spec.");
      refuseShadowedArms(req.spec, "spec.");
      // The name is checked before any model loads: a duplicate should not cost a warm-up.
      const exists = await this.store.get(req.name).then(
        () => true,
        () => false,
      );
      if (exists) throw new GyreError("RESOURCE_ALREADY_EXISTS", `Deployment '${req.name}' already exists.`);
      await this.serve(req.name, 1, resolved);
      try {
        return { deployment: this.present(await this.store.create(req.name, req.spec, actor)) };
      } catch (error) {
        await this.engine?.remove(req.name);
        throw error;
      }
    });
  }

  async getDeployment(req: Req<"getDeployment">): Promise<Res<"getDeployment">> {
    const stored = await this.store.get(req.name);
    return { deployment: this.present(stored), revisions: await this.store.history(req.name) };
  }

  async listDeployments(_req: Req<"listDeployments">): Promise<Res<"listDeployments">> {
    const all = await this.store.list();
    return all.length === 0 ? {} : { deployments: all.map((d) => this.present(d)) };
  }

  updateDeployment(req: Req<"updateDeployment">, actor: string): Promise<Res<"updateDeployment">> {
    return this.serialised(async () => {
      const { row, current } = await this.store.get(req.name);
      const { sticky_header: _sticky, ...kept } = current.spec;
      const sticky =
        req.sticky_header === undefined ? current.spec.sticky_header : req.sticky_header || undefined;
      const spec: deployments.DeploymentSpec = {
        ...kept,
        arms: req.arms ?? current.spec.arms,
        shadows: req.shadows ?? current.spec.shadows,
        ...(sticky === undefined ? {} : { sticky_header: sticky }),
      };
      const resolved = await resolveSpec(this.uris, spec);
      refuseShadowedArms(spec);
      await this.serve(req.name, row.revision + 1, resolved);
      return {
        deployment: this.present(await this.store.append(req.name, spec, "update", row.revision, actor)),
      };
    });
  }

  rollbackDeployment(req: Req<"rollbackDeployment">, actor: string): Promise<Res<"rollbackDeployment">> {
    return this.serialised(async () => {
      const { row, current } = await this.store.get(req.name);
      if (current.previous_revision === undefined) {
        throw invalidParameter(`Deployment '${req.name}' has no previous revision to roll back to.`);
      }
      const target = await this.store.revision(req.name, current.previous_revision);
      const resolved = await resolveSpec(this.uris, target.spec);
      await this.serve(req.name, row.revision + 1, resolved);
      // The new revision carries the target's own "previous", so rolling back again keeps walking back.
      const stored = await this.store.append(
        req.name,
        target.spec,
        "rollback",
        target.previous_revision,
        actor,
      );
      return { deployment: this.present(stored) };
    });
  }

  deleteDeployment(req: Req<"deleteDeployment">): Promise<Res<"deleteDeployment">> {
    return this.serialised(async () => {
      await this.store.delete(req.name);
      await this.engine?.remove(req.name);
      return {};
    });
  }

  /**
   * Makes the engine serve what the store says: on start (reload), and on every poll, which also
   * follows aliases (a moved alias resolves to a new version) and picks up changes made by other
   * processes sharing the store. A deployment that cannot be served keeps what it had; the error
   * shows in its status and is retried at the next poll.
   */
  sync(): Promise<void> {
    const engine = this.engine;
    if (!engine) return Promise.resolve();
    return this.serialised(async () => {
      const stored = await this.store.list();
      const names = new Set(stored.map((d) => d.row.name));
      for (const name of engine.names()) if (!names.has(name)) await engine.remove(name);
      for (const { row, current } of stored) {
        try {
          const resolved = await resolveSpec(this.uris, current.spec);
          const loaded = engine.resolvedOf(row.name);
          if (loaded && engine.revisionOf(row.name) === row.revision && sameServing(loaded, resolved))
            continue;
          await engine.deploy(row.name, row.revision, resolved);
        } catch (error) {
          engine.fail(row.name, error instanceof Error ? error.message : String(error));
        }
      }
    });
  }

  private async serve(name: string, revision: number, resolved: ResolvedSpec): Promise<void> {
    if (!this.engine) return;
    try {
      await this.engine.deploy(name, revision, resolved);
    } catch (error) {
      // A version that will not load is a problem with the spec the client sent.
      if (error instanceof GyreError && error.status < 500) throw error;
      throw invalidParameter(`Deployment '${name}' cannot be served: ${(error as Error).message}`);
    }
  }

  private present({ row, current }: StoredDeployment): deployments.Deployment {
    const status = this.engine?.status(row.name);
    return {
      name: row.name,
      revision: row.revision,
      spec: current.spec,
      creation_timestamp: row.creation_time,
      last_updated_timestamp: row.last_update_time,
      created_by: row.creator,
      last_updated_by: row.last_updated_by,
      ...(status ? { status } : {}),
    };
  }

  private serialised<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(change);
    this.changes = run.catch(() => undefined);
    return run;
  }
}
