import path from "node:path";
import { GyreError } from "@gyre/core";
import type { Kysely } from "kysely";
import type { ArtifactService } from "../artifacts/service.js";
import type { ArtifactStore } from "../artifacts/store.js";
import type { DatasetStorage } from "../datasets/storage.js";
import type { EngineMonitoring } from "../deployments/engine.js";
import type { SqlDialect } from "../store/database.js";
import type { Schema } from "../store/schema.js";
import { Explanations } from "./explain.js";
import { RequestCounter } from "./ingest/request-counter.js";
import { StoreSink } from "./ingest/serving-sink.js";
import { type MonitoringContext, MonitorStore } from "./monitor-store.js";
import { type AlertCallback, AlertNotifier, type MonitoringLogger } from "./notifier.js";
import { ReferenceResolver } from "./reference.js";
import { MonitorScheduler } from "./scheduler.js";
import { MonitoringService } from "./service.js";
import { defaultPredictionStoreUri, openPredictionStore } from "./store/open.js";
import { ParquetPredictionStore } from "./store/parquet-store.js";
import type { PredictionStore } from "./store/prediction-store.js";
import type { MonitoringTables } from "./tables.js";
import type { DeliveryOptions } from "./webhooks.js";

const DAY_MS = 86_400_000;
/** Retention and compaction: every 10 minutes, so a day's small Parquet parts never pile up. */
const MAINTENANCE_MS = 600_000;

export interface MonitoringServicesOptions {
  /**
   * `postgresql://…` or a directory for Parquet. Default: the metadata store's database when it is
   * PostgreSQL (so every process sharing it shares predictions), else `<artifacts>/monitoring/predictions`.
   */
  readonly predictionStoreUri: string | undefined;
  readonly metadataStoreUri: string;
  /** The server's local artifact directory (undefined for a remote artifact destination). */
  readonly artifactRoot: string | undefined;
  /** Where reports are stored. */
  readonly artifacts: ArtifactStore | undefined;
  /** Model files (explanations read a version's pipeline.json). */
  readonly artifactService?: ArtifactService | undefined;
  readonly datasets: DatasetStorage | undefined;
  /** Run scheduled monitors and maintenance in this process (`gyre server`). */
  readonly schedule: boolean;
  readonly pollMs: number;
  /** Days of predictions kept (whole UTC days); 0 keeps everything. */
  readonly retentionDays: number;
  readonly webhooks?: DeliveryOptions;
}

/** The monitoring domain's public surface. */
export interface MonitoringServices {
  readonly api: MonitoringService;
  readonly store: PredictionStore;
  /** Handed to the deployment engine: serving's prediction log and request counts land in the store. */
  readonly deployments: EngineMonitoring;
  /** Registers an in-process action on every fired or resolved alert; returns its removal. */
  onAlert(callback: AlertCallback): () => void;
  /** Alerts also go to this log (the server's). */
  setLogger(logger: MonitoringLogger): void;
  /** Runs the scheduler's pass now (tests, and `gyre monitor run --due`). */
  runDue(): Promise<void>;
  /** Writes out the predictions and request counts this process's deployments hold. */
  flush(): Promise<void>;
  /** Retention and compaction now. */
  maintain(): Promise<void>;
  /** Resolves when pending webhook deliveries and alert actions are done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Without a local artifact directory and without a prediction store URI, nothing can be stored. */
function unavailableStore(): PredictionStore {
  const refuse = async (): Promise<never> => {
    throw new GyreError(
      "NOT_IMPLEMENTED",
      "The prediction store needs a local artifact destination or --prediction-store-uri (postgresql://…).",
    );
  };
  return {
    description: "unavailable",
    appendPredictions: refuse,
    appendLabels: refuse,
    appendRequestCounts: refuse,
    predictions: refuse,
    operational: refuse,
    deleteDaysBefore: refuse,
    close: async () => {},
  };
}

export function createMonitoringServices(
  base: { db: Kysely<Schema>; dialect: SqlDialect; now: () => number },
  options: MonitoringServicesOptions,
): MonitoringServices {
  const ctx: MonitoringContext = { ...base, db: base.db.withTables<MonitoringTables>() };
  const uri =
    options.predictionStoreUri ??
    (ctx.dialect === "postgres"
      ? options.metadataStoreUri
      : options.artifactRoot === undefined
        ? undefined
        : defaultPredictionStoreUri(options.artifactRoot));
  const store = uri === undefined ? unavailableStore() : openPredictionStore(uri);
  const monitors = new MonitorStore(ctx);
  const references = new ReferenceResolver(
    ctx.db,
    options.datasets,
    store,
    options.artifactRoot === undefined
      ? undefined
      : path.join(options.artifactRoot, "monitoring", "references"),
    ctx.now,
  );
  const notifier = new AlertNotifier(options.webhooks);
  let logger: MonitoringLogger | undefined;
  const explanations = new Explanations(ctx.db, options.artifactService, store);
  const api = new MonitoringService(
    ctx,
    monitors,
    store,
    references,
    options.artifacts,
    notifier,
    explanations,
    () => flush(),
  );
  let counter: RequestCounter | undefined;
  let flushLog: (() => Promise<void>) | undefined;
  /** Everything this process has answered so far, written to the store. */
  const flush = async () => {
    await flushLog?.();
    await counter?.flush();
  };
  const maintain = async () => {
    if (options.retentionDays > 0) {
      const removed = await store.deleteDaysBefore(ctx.now() - options.retentionDays * DAY_MS);
      if (removed.length > 0) logger?.info({ days: removed }, "prediction store retention removed days");
    }
    if (store instanceof ParquetPredictionStore) await store.compact(ctx.now());
  };
  const scheduler = new MonitorScheduler(
    monitors,
    (name, end) => api.run(name, end),
    maintain,
    () => logger ?? { info() {}, warn() {}, error() {} },
    { pollMs: options.pollMs, maintenanceMs: options.schedule ? MAINTENANCE_MS : 0, now: ctx.now },
  );
  if (options.schedule) scheduler.start();
  return {
    api,
    store,
    deployments: {
      attach(modelOf) {
        counter = new RequestCounter(store, modelOf, 10_000, (error) =>
          logger?.error({ error: String(error) }, "request counts write failed"),
        );
        return { sink: new StoreSink(store, modelOf), observer: counter };
      },
      flushWith(f) {
        flushLog = f;
      },
    },
    onAlert: (callback) => notifier.onAlert(callback),
    setLogger(next) {
      logger = next;
      notifier.setLogger(next);
    },
    runDue: () => scheduler.tick(),
    flush,
    maintain,
    idle: () => notifier.idle(),
    async close() {
      await scheduler.stop();
      await counter?.close();
      await notifier.close();
      await store.close();
    },
  };
}
