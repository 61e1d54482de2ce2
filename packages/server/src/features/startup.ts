import { dirname, join } from "node:path";
import { loadRepository, type Transformation } from "@gyre/features";
import type { ServerConfig } from "../config.js";
import type { ParsedStoreUri } from "../store/database.js";
import type { FeatureServiceOptions } from "./services.js";

/**
 * The feature store's options from the server's config: the online store (default: a SQLite file
 * beside a local artifact destination) and the transformations of `featureRepository`, loaded once.
 */
export async function featureServerOptions(
  config: ServerConfig,
  store: ParsedStoreUri,
  artifactRoot: string | undefined,
): Promise<FeatureServiceOptions> {
  const onlineStoreUri =
    config.featureOnlineStoreUri ??
    (artifactRoot === undefined
      ? undefined
      : `sqlite:///${join(dirname(artifactRoot), "features-online.db")}`);
  const transformations: ReadonlyMap<string, Transformation> =
    config.featureRepository === undefined
      ? new Map()
      : (await loadRepository(config.featureRepository)).transformations;
  return { store, onlineStoreUri, transformations };
}
