import type { FastifyInstance } from "fastify";
import { openArtifactStore } from "./artifacts/service.js";
import { ServerConfig, type ServerConfigInput } from "./config.js";
import { ServerPaths } from "./datasets/server-paths.js";
import { createDatasetServices } from "./datasets/services.js";
import { DatasetStorage, localArtifactRoot } from "./datasets/storage.js";
import type { DeploymentPeers } from "./deployments/engine.js";
import { deploymentFastPath, mountDeployments } from "./deployments/mount.js";
import { createDeploymentServices } from "./deployments/services.js";
import { createFeatureServices } from "./features/services.js";
import { FeatureServiceLookup, installFeatureServing } from "./features/serving.js";
import { featureServerOptions } from "./features/startup.js";
import { buildApp, type GyreServices } from "./http/app.js";
import { createMonitoringServices, type MonitoringServices } from "./monitoring/services.js";
import { createPipelineServices } from "./pipelines/services.js";
import { createRegistryServices } from "./registry/services.js";
import { type MetadataDatabase, openMetadataDatabase, parseStoreUri } from "./store/database.js";
import { createTrackingServices } from "./tracking/services.js";

export { embeddedDefaults, ServerConfig, type ServerConfigInput } from "./config.js";
export type { DatasetServices } from "./datasets/services.js";
export type { DeploymentPeers, PeerTarget } from "./deployments/engine.js";
export { SERVING_PREFIX } from "./deployments/mount.js";
export type { ResolvedSpec } from "./deployments/resolve.js";
export type { FeatureServices } from "./features/services.js";
export { allRoutes, type GyreServices } from "./http/app.js";
export { openApiDocument } from "./http/openapi.js";
export { CHECKPOINT_FILE, type IngestResult, ingestJsonlLog } from "./monitoring/index.js";
export type { AlertCallback, AlertEvent } from "./monitoring/notifier.js";
export type { MonitoringServices } from "./monitoring/services.js";
export { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER } from "./monitoring/webhooks.js";
export {
  isModelUri,
  isRunsUri,
  type ModelUri,
  ModelUriResolver,
  parseModelUri,
  parseRunsUri,
  type RunsUri,
} from "./registry/model-uri.js";
export type { RegistryServices } from "./registry/services.js";
export {
  type MetadataDatabase,
  openMetadataDatabase,
  parseStoreUri,
  type SqlDialect,
} from "./store/database.js";
export type { TrackingServices } from "./tracking/services.js";
export { GYRE_VERSION, MLFLOW_API_VERSION } from "./version.js";

/** A Gyre instance: its stores, its services and its HTTP app, not yet listening. */
export interface Gyre {
  readonly config: ServerConfig;
  readonly database: MetadataDatabase;
  readonly services: GyreServices;
  /** Prediction store, alert callbacks (`onAlert`), the scheduler's pass and maintenance. */
  readonly monitoring: MonitoringServices;
  readonly app: FastifyInstance;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** What only a caller in the same process can hand over (functions, not configuration). */
export interface GyreProcessOptions {
  /** The other processes of `gyre server --serving-workers N`: deployment changes reach them at once. */
  readonly deploymentPeers?: DeploymentPeers;
}

export async function createGyre(
  input: ServerConfigInput,
  inProcess: GyreProcessOptions = {},
): Promise<Gyre> {
  const config = ServerConfig.parse(input);
  // Checked before anything is opened: a missing directory is a configuration error.
  const paths =
    config.allowedPaths === undefined
      ? ServerPaths.unrestricted()
      : await ServerPaths.within(config.allowedPaths);
  const database = await openMetadataDatabase(config.backendStoreUri);
  const ctx = { db: database.db, dialect: database.dialect, now: Date.now };
  const tracking = createTrackingServices(ctx, openArtifactStore(config.artifactsDestination));
  const root = localArtifactRoot(config.artifactsDestination);
  const registry = createRegistryServices(ctx, tracking.artifacts);
  const monitoring = createMonitoringServices(ctx, {
    predictionStoreUri: config.predictionStoreUri,
    metadataStoreUri: config.backendStoreUri,
    artifactRoot: root,
    artifacts: openArtifactStore(config.artifactsDestination),
    artifactService: tracking.artifacts,
    datasets: root === undefined ? undefined : new DatasetStorage(root),
    schedule: config.runMonitors,
    pollMs: config.monitorPollMs,
    retentionDays: config.predictionRetentionDays,
  });
  const deployments = await createDeploymentServices(ctx, registry.uris, tracking.artifacts, {
    serve: config.serveDeployments,
    pollMs: config.deploymentPollMs,
    monitoring: monitoring.deployments,
    peers: inProcess.deploymentPeers,
  });
  const storage = root === undefined ? undefined : new DatasetStorage(root);
  const datasets = createDatasetServices({ ...ctx, storage, paths });
  const features = createFeatureServices(
    { ...ctx, storage, paths },
    datasets,
    await featureServerOptions(config, parseStoreUri(config.backendStoreUri), root),
  );
  const services: GyreServices = {
    tracking,
    registry,
    datasets,
    features,
    deployments: deployments.api,
    pipelines: createPipelineServices(ctx),
    monitoring: monitoring.api,
  };
  const engine = deployments.engine;
  const lookup =
    engine &&
    new FeatureServiceLookup({
      revisionOf: (name) => engine.revisionOf(name),
      featureServiceOf: async (name) =>
        (await deployments.api.getDeployment({ name })).deployment.spec.feature_service,
    });
  let app: FastifyInstance | undefined;
  const fastPaths =
    engine && lookup ? [deploymentFastPath(engine, lookup, config.bodyLimitBytes, () => app!.log)] : [];
  app = await buildApp(services, {
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    fastPaths,
  });
  if (engine && lookup) {
    // Deployments naming a feature service get their features before the model runs.
    installFeatureServing(app, features, lookup);
    await mountDeployments(app, engine);
  }
  monitoring.setLogger(app.log);
  return {
    config,
    database,
    services,
    monitoring,
    app,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    async close() {
      // Stop taking requests first; then drain and release the models; the store goes last.
      await app.close();
      await deployments.close();
      await monitoring.close();
      await features.close();
      await database.close();
    },
  };
}
