import type {
  buildServingApp,
  Deployment,
  DeploymentRegistry,
  MetricsSource,
  ServingMetrics,
  ThreadedPredictionLog,
} from "@gyre/serving";

type ServingApp = Awaited<ReturnType<typeof buildServingApp>>;

/** What one serving process needs to know: plain data, so the cluster primary can hand it to workers. */
export interface EngineConfig {
  readonly name: string;
  /** Whether versions are reported (registry models); false for a run's artifacts or a directory. */
  readonly versioned: boolean;
  readonly host: string;
  readonly port: number;
  readonly maxBatchRows: number;
  readonly extraWaitTurns: number;
  /** Directory of the prediction log; undefined turns logging off. */
  readonly predictionLogDir: string | undefined;
}

/** A model version to serve and the local directory holding its files. */
export interface ModelVersionDir {
  /** The registry version, or an internal key ("local") for an unversioned model. */
  readonly version: string;
  readonly dir: string;
}

/** Where `gyre serve` sends version changes: its own engine, or every cluster worker. */
export interface ServingTarget {
  /** Loads, warms and switches to the version; rejects, still serving the old one, if it cannot. */
  deploy(model: ModelVersionDir): Promise<void>;
  close(): Promise<void>;
}

/**
 * One serving process: a single-arm deployment behind the protocol routes, with metrics and the
 * prediction log. A version change is a deployment change, so it has the deployment's
 * guarantees: loaded and warmed first, switched at once, the old version drained and released.
 */
export class ServeEngine implements ServingTarget {
  private constructor(
    readonly app: ServingApp,
    readonly url: string,
    readonly metrics: ServingMetrics,
    private readonly registry: DeploymentRegistry,
    private readonly deployment: Deployment,
    private readonly log: ThreadedPredictionLog | undefined,
    /** Version → files, read by the deployment when it loads a version. */
    private readonly dirs: Map<string, string>,
  ) {}

  /**
   * Loads the first version and starts listening. `metricsSource` replaces this process's own
   * figures on GET /metrics (a cluster worker answers with every worker's).
   */
  static async start(
    config: EngineConfig,
    first: ModelVersionDir,
    metricsSource?: (own: ServingMetrics) => MetricsSource,
  ): Promise<ServeEngine> {
    // Loaded here, not at CLI start: onnxruntime is most of a serving process's start-up time.
    const serving = await import("@gyre/serving");
    const metrics = new serving.ServingMetrics();
    // Formatted and written on a worker thread: the event loop only queues and packs entries.
    const log = config.predictionLogDir
      ? new serving.ThreadedPredictionLog(serving.jsonlSinkModule(config.predictionLogDir))
      : undefined;
    if (log) metrics.watchPredictionLog(log);
    const dirs = new Map([[first.version, first.dir]]);
    let deployment: Deployment;
    try {
      deployment = await serving.Deployment.create(
        {
          name: config.name,
          versioned: config.versioned,
          source: {
            modelDir: async (version) => {
              const dir = dirs.get(version);
              if (!dir) throw new Error(`no files for version ${version}`);
              return dir;
            },
          },
          batching: { maxBatchRows: config.maxBatchRows, extraWaitTurns: config.extraWaitTurns },
          observer: metrics,
          ...(log ? { predictionLog: log } : {}),
        },
        { arms: [{ version: first.version, weight: 1 }] },
      );
    } catch (error) {
      await log?.close();
      throw error;
    }
    const registry = new serving.DeploymentRegistry();
    registry.add(deployment);
    const app = await serving.buildServingApp({
      models: registry,
      observer: new serving.ServingTelemetry(metrics, log),
      metrics: metricsSource ? metricsSource(metrics) : metrics,
    });
    let url: string;
    try {
      url = await app.listen({ host: config.host, port: config.port });
    } catch (error) {
      await app.close();
      await registry.close();
      await log?.close();
      throw error;
    }
    return new ServeEngine(app, url, metrics, registry, deployment, log, dirs);
  }

  /** The port actually listened on (useful with --port 0). */
  get port(): number {
    const address = this.app.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  async deploy(model: ModelVersionDir): Promise<void> {
    this.dirs.set(model.version, model.dir);
    await this.deployment.apply({ arms: [{ version: model.version, weight: 1 }] });
  }

  /** Stops accepting requests, lets in-flight ones finish, releases the model, flushes the log. */
  async close(): Promise<void> {
    await this.app.close();
    await this.registry.close();
    await this.log?.close();
  }
}
