import { type OnlineStore, openOnlineStore, type Transformation } from "@gyre/features";
import type { DatasetServices } from "../datasets/services.js";
import type { ParsedStoreUri } from "../store/database.js";
import type { FeaturesContext } from "./context.js";
import { FeatureHistoricalService } from "./historical.js";
import { FeatureMaterializeService, MATERIALIZE_HEARTBEAT_MS, MATERIALIZE_STALE_MS } from "./materialize.js";
import { FeatureOnlineService, OnlineStoreHandle } from "./online.js";
import { FeatureRegistryService } from "./registry.js";
import { RegistrySnapshots, versionProbe } from "./snapshot.js";

export interface FeatureServiceOptions {
  /** The metadata store's parsed URI (the version probe opens its own SQLite connection). */
  readonly store: ParsedStoreUri;
  /** sqlite:///path or redis://host:port; undefined = no online store. */
  readonly onlineStoreUri: string | undefined;
  /** On-demand transformations' code, from the feature repository the server was started with. */
  readonly transformations: ReadonlyMap<string, Transformation>;
  readonly openStore?: (uri: string) => Promise<OnlineStore>;
}

/** The feature store domain's public surface: one service per concern, wired once. */
export interface FeatureServices {
  registry: FeatureRegistryService;
  historical: FeatureHistoricalService;
  materialize: FeatureMaterializeService;
  online: FeatureOnlineService;
  /** The current registry definitions (for serving: a deployment's feature service). */
  snapshots: RegistrySnapshots;
  close(): Promise<void>;
}

export function createFeatureServices(
  ctx: FeaturesContext,
  datasets: DatasetServices,
  options: FeatureServiceOptions,
): FeatureServices {
  const store = new OnlineStoreHandle(options.onlineStoreUri, options.openStore ?? openOnlineStore);
  const snapshots = new RegistrySnapshots(ctx.db, versionProbe(ctx.db, options.store));
  const materialize = new FeatureMaterializeService(ctx, snapshots, store, {
    heartbeatMs: MATERIALIZE_HEARTBEAT_MS,
    staleAfterMs: MATERIALIZE_STALE_MS,
  });
  const registry = new FeatureRegistryService(ctx, async (removedViews) => {
    snapshots.invalidate();
    if (options.onlineStoreUri === undefined || removedViews.length === 0) return;
    const online = await store.get();
    for (const view of removedViews) await online.dropView(view);
  });
  return {
    registry,
    historical: new FeatureHistoricalService(ctx, snapshots, datasets, options.transformations),
    materialize,
    online: new FeatureOnlineService(ctx, snapshots, store, options.transformations),
    snapshots,
    async close() {
      await materialize.close();
      await store.close();
      snapshots.close();
    },
  };
}
