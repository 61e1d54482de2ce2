import { GyreError } from "@gyre/core";
import { getOnlineFeatures, type OnlineStore, type Transformation } from "@gyre/features";
import type { FeaturesContext, Req, Res } from "./context.js";
import type { RegistrySnapshots } from "./snapshot.js";

/** The online store, opened on first use (a Redis that is down fails requests, not start-up). */
export class OnlineStoreHandle {
  private opened: Promise<OnlineStore> | undefined;

  constructor(
    private readonly uri: string | undefined,
    private readonly open: (uri: string) => Promise<OnlineStore>,
  ) {}

  get(): Promise<OnlineStore> {
    if (this.uri === undefined) {
      return Promise.reject(
        new GyreError(
          "NOT_IMPLEMENTED",
          "No online store: give the server --feature-online-store (sqlite:///path or redis://host:port).",
        ),
      );
    }
    if (!this.opened) {
      this.opened = this.open(this.uri);
      this.opened.catch(() => {
        this.opened = undefined; // retried by the next request
      });
    }
    return this.opened;
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) await (await opened.catch(() => undefined))?.close();
  }
}

/** Online reads: definitions from the current registry snapshot, values from the online store. */
export class FeatureOnlineService {
  constructor(
    private readonly ctx: FeaturesContext,
    private readonly snapshots: RegistrySnapshots,
    private readonly store: OnlineStoreHandle,
    private readonly transformations: ReadonlyMap<string, Transformation>,
  ) {}

  async getOnlineFeatures(req: Req<"getOnlineFeatures">): Promise<Res<"getOnlineFeatures">> {
    const selection = await this.snapshots.select(req);
    const store = await this.store.get();
    return getOnlineFeatures(store, selection, req.entities, {
      now: this.ctx.now(),
      transformations: this.transformations,
    });
  }
}
