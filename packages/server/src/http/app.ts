import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import {
  artifactRoutes,
  datasets,
  deployments,
  features,
  monitoring,
  pipelines,
  type RouteContract,
  registry,
  tracking,
} from "@gyre/core";
import Fastify, { type FastifyInstance } from "fastify";
import type { DatasetServices } from "../datasets/services.js";
import type { DeploymentService } from "../deployments/service.js";
import { onlineFastPath, registerOnlineRoute } from "../features/online.js";
import type { FeatureServices } from "../features/services.js";
import { monitoringHandlers } from "../monitoring/handlers.js";
import type { MonitoringService } from "../monitoring/service.js";
import { pipelineHandlers } from "../pipelines/handlers.js";
import type { PipelineServices } from "../pipelines/services.js";
import { actorOf } from "../registry/context.js";
import type { RegistryServices } from "../registry/services.js";
import type { TrackingServices } from "../tracking/services.js";
import { GYRE_VERSION, MLFLOW_API_VERSION } from "../version.js";
import { type Handlers, registerJsonRoutes } from "./api-routes.js";
import { registerArtifactRoutes } from "./artifact-routes.js";
import { frameworkErrorReply, installErrorHandlers, writeClientError } from "./errors.js";
import { openApiDocument } from "./openapi.js";

export interface AppOptions {
  /** Pino log level, or false for no request log. */
  logLevel: string | false;
  /** Largest JSON request body accepted (dataset profiles may reach 16 MB). */
  bodyLimitBytes: number;
  /**
   * Raw node:http handlers tried ahead of Fastify (after the online feature read's), each
   * answering a request it takes and returning true (the deployments' plain V2 inference).
   */
  fastPaths?: readonly ((request: IncomingMessage, response: ServerResponse) => boolean)[];
}

/** Each tracking contract mapped to its service call; the HTTP layer adds nothing else. */
function trackingHandlers(s: TrackingServices): Handlers<typeof tracking.trackingRoutes> {
  return {
    createExperiment: (r) => s.experiments.createExperiment(r),
    getExperiment: (r) => s.experiments.getExperiment(r),
    getExperimentByName: (r) => s.experiments.getExperimentByName(r),
    searchExperiments: (r) => s.experiments.searchExperiments(r),
    updateExperiment: (r) => s.experiments.updateExperiment(r),
    deleteExperiment: (r) => s.experiments.deleteExperiment(r),
    restoreExperiment: (r) => s.experiments.restoreExperiment(r),
    setExperimentTag: (r) => s.experiments.setExperimentTag(r),
    deleteExperimentTag: (r) => s.experiments.deleteExperimentTag(r),
    createRun: (r) => s.runs.createRun(r),
    getRun: (r) => s.runs.getRun(r),
    updateRun: (r) => s.runs.updateRun(r),
    deleteRun: (r) => s.runs.deleteRun(r),
    restoreRun: (r) => s.runs.restoreRun(r),
    logMetric: (r) => s.logging.logMetric(r),
    logParam: (r) => s.logging.logParam(r),
    setTag: (r) => s.logging.setTag(r),
    deleteTag: (r) => s.logging.deleteTag(r),
    logBatch: (r) => s.logging.logBatch(r),
    logInputs: (r) => s.logging.logInputs(r),
    logModel: (r) => s.logging.logModel(r),
    searchRuns: (r) => s.search.searchRuns(r),
    getMetricHistory: (r) => s.history.getMetricHistory(r),
    getMetricHistoryBulkInterval: (r) => s.history.getMetricHistoryBulkInterval(r),
    listArtifacts: (r) => s.artifacts.listArtifacts(r),
  };
}

/**
 * Each registry contract mapped to its service call. Writes also get their actor: the request's
 * user_id, else the x-gyre-user header, else "unknown".
 */
function registryHandlers(s: RegistryServices): Handlers<typeof registry.registryRoutes> {
  return {
    createRegisteredModel: (r, c) => s.models.createRegisteredModel(r, actorOf(r, c.user)),
    getRegisteredModel: (r) => s.models.getRegisteredModel(r),
    renameRegisteredModel: (r, c) => s.models.renameRegisteredModel(r, actorOf(r, c.user)),
    updateRegisteredModel: (r, c) => s.models.updateRegisteredModel(r, actorOf(r, c.user)),
    deleteRegisteredModel: (r, c) => s.models.deleteRegisteredModel(r, actorOf(r, c.user)),
    searchRegisteredModels: (r) => s.search.searchRegisteredModels(r),
    getLatestVersions: (r) => s.models.getLatestVersions(r),
    setRegisteredModelTag: (r, c) => s.models.setRegisteredModelTag(r, actorOf(r, c.user)),
    deleteRegisteredModelTag: (r, c) => s.models.deleteRegisteredModelTag(r, actorOf(r, c.user)),
    setRegisteredModelAlias: (r, c) => s.aliases.setRegisteredModelAlias(r, actorOf(r, c.user)),
    deleteRegisteredModelAlias: (r, c) => s.aliases.deleteRegisteredModelAlias(r, actorOf(r, c.user)),
    getModelVersionByAlias: (r) => s.aliases.getModelVersionByAlias(r),
    createModelVersion: (r, c) => s.versions.createModelVersion(r, actorOf(r, c.user)),
    getModelVersion: (r) => s.versions.getModelVersion(r),
    updateModelVersion: (r, c) => s.versions.updateModelVersion(r, actorOf(r, c.user)),
    deleteModelVersion: (r, c) => s.versions.deleteModelVersion(r, actorOf(r, c.user)),
    searchModelVersions: (r) => s.search.searchModelVersions(r),
    getModelVersionDownloadUri: (r) => s.versions.getModelVersionDownloadUri(r),
    transitionModelVersionStage: (r, c) => s.versions.transitionModelVersionStage(r, actorOf(r, c.user)),
    setModelVersionTag: (r, c) => s.versions.setModelVersionTag(r, actorOf(r, c.user)),
    deleteModelVersionTag: (r, c) => s.versions.deleteModelVersionTag(r, actorOf(r, c.user)),
    getRegistryAudit: (r) => s.audit.getRegistryAudit(r),
    resolveModelUri: (r) => s.uris.resolveModelUri(r),
  };
}

/** Each datasets contract mapped to its service call; writes record who made them. */
function datasetHandlers(s: DatasetServices): Handlers<typeof datasets.datasetRoutes> {
  const creator = (r: { user_id?: string | undefined }, user: string | undefined) =>
    r.user_id?.trim() || user;
  return {
    registerDataset: (r, c) => s.registration.registerDataset(r, creator(r, c.user)),
    listDatasets: (r) => s.catalog.listDatasets(r),
    listDatasetVersions: (r) => s.catalog.listDatasetVersions(r),
    getDataset: (r) => s.catalog.getDataset(r),
    getDatasetProfile: (r) => s.catalog.getDatasetProfile(r),
    validateDataset: (r, c) => s.validation.validateDataset(r, creator(r, c.user)),
    listDatasetResults: (r) => s.validation.listDatasetResults(r),
  };
}

/** Each deployments contract mapped to its service call; changes record who made them. */
function deploymentHandlers(s: DeploymentService): Handlers<typeof deployments.deploymentRoutes> {
  return {
    createDeployment: (r, c) => s.createDeployment(r, actorOf(r, c.user)),
    getDeployment: (r) => s.getDeployment(r),
    listDeployments: (r) => s.listDeployments(r),
    updateDeployment: (r, c) => s.updateDeployment(r, actorOf(r, c.user)),
    rollbackDeployment: (r, c) => s.rollbackDeployment(r, actorOf(r, c.user)),
    deleteDeployment: (r) => s.deleteDeployment(r),
  };
}

/** Each feature store contract mapped to its service call. */
function featureHandlers(s: FeatureServices): Handlers<typeof features.featureRoutes> {
  return {
    planFeatures: (r) => s.registry.planFeatures(r),
    applyFeatures: (r, c) => s.registry.applyFeatures(r, actorOf(r, c.user)),
    listFeatures: (r) => s.registry.listFeatures(r),
    getHistoricalFeatures: (r, c) => s.historical.getHistoricalFeatures(r, r.user_id?.trim() || c.user),
    materializeFeatures: (r) => s.materialize.materializeFeatures(r),
    getMaterializeJob: (r) => s.materialize.getMaterializeJob(r),
    getOnlineFeatures: (r) => s.online.getOnlineFeatures(r),
  };
}

export const allRoutes: readonly RouteContract[] = [
  ...tracking.trackingRoutes,
  ...registry.registryRoutes,
  ...datasets.datasetRoutes,
  ...deployments.deploymentRoutes,
  ...features.featureRoutes,
  ...pipelines.pipelineRoutes,
  ...monitoring.monitoringRoutes,
  ...artifactRoutes,
];

/** The services behind the HTTP API, one surface per domain. */
export interface GyreServices {
  tracking: TrackingServices;
  registry: RegistryServices;
  datasets: DatasetServices;
  deployments: DeploymentService;
  features: FeatureServices;
  pipelines: PipelineServices;
  monitoring: MonitoringService;
}

/** Clients retry and keep connections open; never let one slow request hold the socket forever. */
const REQUEST_TIMEOUT_MS = 300_000;
/** Fastify's own default, kept for the server the factory below creates. */
const KEEP_ALIVE_MS = 72_000;

export async function buildApp(services: GyreServices, options: AppOptions): Promise<FastifyInstance> {
  const ajax = [{ from: "/api/2.0/", to: "/ajax-api/2.0/" }];
  // Online feature reads, the one latency-critical API route, go ahead of Fastify in their plain form.
  const onlineFast = onlineFastPath(services.features.online, {
    prefixes: ajax,
    bodyLimitBytes: options.bodyLimitBytes,
    logError: (error, message) => app.log.error({ err: error }, message),
  });
  const app = Fastify({
    logger: options.logLevel === false ? false : { level: options.logLevel },
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { ignoreTrailingSlash: true },
    clientErrorHandler: writeClientError,
    frameworkErrors: frameworkErrorReply,
    serverFactory: (handler: RequestListener) => {
      const fastPaths = [onlineFast, ...(options.fastPaths ?? [])];
      const server = createServer((request, response) => {
        for (const fast of fastPaths) if (fast(request, response)) return;
        handler(request, response);
      });
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      return server;
    },
  });
  installErrorHandlers(app);

  app.get("/health", (_request, reply) => reply.type("text/plain").send("OK"));
  app.get("/version", (_request, reply) => reply.type("text/plain").send(MLFLOW_API_VERSION));
  const openApi = JSON.stringify(openApiDocument(allRoutes, GYRE_VERSION));
  app.get("/api/openapi.json", (_request, reply) => reply.type("application/json").send(openApi));

  await app.register(async (scope) =>
    registerJsonRoutes(scope, tracking.trackingRoutes, trackingHandlers(services.tracking), ajax),
  );
  await app.register(async (scope) =>
    registerJsonRoutes(scope, registry.registryRoutes, registryHandlers(services.registry), ajax),
  );
  await app.register(async (scope) =>
    registerJsonRoutes(scope, datasets.datasetRoutes, datasetHandlers(services.datasets), ajax),
  );
  await app.register(async (scope) =>
    registerJsonRoutes(scope, deployments.deploymentRoutes, deploymentHandlers(services.deployments), ajax),
  );
  await app.register(async (scope) => {
    // Online reads: a dedicated route (hand-checked plain requests, JSON text answers).
    const routes: readonly (typeof features.featureRoutes)[number][] = features.featureRoutes.filter(
      (r) => r !== features.getOnlineFeatures,
    );
    registerJsonRoutes<typeof routes>(scope, routes, featureHandlers(services.features), ajax);
    registerOnlineRoute(scope, services.features.online, ajax);
  });
  await app.register(async (scope) =>
    registerJsonRoutes(scope, pipelines.pipelineRoutes, pipelineHandlers(services.pipelines), ajax),
  );
  await app.register(async (scope) =>
    registerJsonRoutes(scope, monitoring.monitoringRoutes, monitoringHandlers(services.monitoring), ajax),
  );
  await app.register(async (scope) => registerArtifactRoutes(scope, services.tracking.artifacts));
  return app;
}
