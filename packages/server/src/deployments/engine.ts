import type { deployments } from "@gyre/core";
import type {
  Deployment,
  DeploymentRegistry,
  DeploymentSpecInput,
  MetricsSnapshot,
  ModelRegistryView,
  PredictionLog,
  PredictionSink,
  ServingMetrics,
  ServingObserver,
} from "@gyre/serving";
import type { ModelFiles } from "./model-files.js";
import { type ResolvedSpec, sameServing } from "./resolve.js";

type Serving = typeof import("@gyre/serving");

/** One deployment as loaded in this process. */
interface Loaded {
  readonly deployment: Deployment;
  /** The deployment alone, as the serving routes under /serving/{name} see it. */
  readonly view: DeploymentRegistry;
  /** Version → storage location, read when the deployment loads a version. */
  readonly locations: Map<string, string>;
  revision: number;
  resolved: ResolvedSpec;
}

export interface EngineOptions {
  readonly files: ModelFiles;
  /** Rows one model run may combine from concurrent requests; the serving default otherwise. */
  readonly maxBatchRows?: number;
  /** Prediction logging (monitoring): where the log writes, and an extra observer of every request. */
  readonly monitoring?: EngineMonitoring;
  /** The other processes serving the same deployments behind one port (`gyre server --serving-workers N`). */
  readonly peers?: DeploymentPeers;
}

/**
 * The other serving processes of a `gyre server --serving-workers N`, reached through the
 * cluster primary. A change this process serves is passed on before its API call returns, so
 * every process serves it when the call answers; polling (`sync`) catches up anything missed.
 */
export interface DeploymentPeers {
  /** Called once by the engine: how the peers' changes and metrics requests reach this process. */
  connect(local: PeerTarget): void;
  /** Every other process serves this resolution now; rejects naming those that could not. */
  deployed(name: string, revision: number, resolved: ResolvedSpec): Promise<void>;
  /** Every other process has stopped serving the name. */
  removed(name: string): Promise<void>;
  /** Every process's metrics (this one's included), summed; undefined if the primary did not answer. */
  metrics(own: MetricsSnapshot): Promise<MetricsSnapshot | undefined>;
}

/** What monitoring hands the engine; `modelOf` names each deployment's registered model. */
export interface EngineMonitoring {
  attach(modelOf: (deployment: string) => string | undefined): {
    readonly sink: PredictionSink;
    readonly observer?: ServingObserver;
  };
  /** Receives a call that writes out everything the log holds (monitors flush before they evaluate). */
  flushWith?(flush: () => Promise<void>): void;
}

/** This process's engine as its peers reach it. */
export interface PeerTarget {
  deploy(name: string, revision: number, resolved: ResolvedSpec): Promise<void>;
  remove(name: string): Promise<void>;
  snapshot(): MetricsSnapshot;
}

/** Prediction log batches: fewer, larger writes than the serving default (one Parquet file each). */
const LOG_OPTIONS = { batchSize: 2048, flushIntervalMs: 1000 } as const;

/** The serving spec of a resolution: versions are the routing keys. */
function servingSpec(resolved: ResolvedSpec): DeploymentSpecInput {
  return {
    arms: resolved.arms.map((a) => ({ version: a.version, weight: a.weight })),
    shadows: resolved.shadows.map((s) => ({ version: s.version, percent: s.percent })),
    ...(resolved.stickyHeader ? { stickyHeader: resolved.stickyHeader } : {}),
  };
}

/**
 * The tracking server's in-process serving: one @gyre/serving Deployment per named deployment,
 * sharing one metrics registry and the routes' observer. Changes go through Deployment.apply —
 * new versions loaded and warmed, one switch, old ones drained — so a change fails no request.
 * Knows nothing of the store: the deployment service decides what to serve.
 */
export class DeploymentEngine {
  private readonly loaded = new Map<string, Loaded>();
  /** Why a deployment could not be loaded (on start or after a change made elsewhere). */
  private readonly errors = new Map<string, string>();

  private constructor(
    private readonly serving: Serving,
    private readonly options: EngineOptions,
    readonly metrics: ServingMetrics,
    readonly telemetry: ServingObserver,
    private readonly log: PredictionLog | undefined,
  ) {}

  /** Imported here, not at server start: onnxruntime is most of a serving process's start-up time. */
  static async start(options: EngineOptions): Promise<DeploymentEngine> {
    const serving = await import("@gyre/serving");
    const metrics = new serving.ServingMetrics();
    let engine: DeploymentEngine | undefined;
    const attached = options.monitoring?.attach((name) => engine?.resolvedOf(name)?.modelName);
    const log = attached ? new serving.PredictionLog(attached.sink, LOG_OPTIONS) : undefined;
    if (log) {
      metrics.watchPredictionLog(log);
      options.monitoring?.flushWith?.(() => log.flush());
    }
    const telemetry = new serving.ServingTelemetry(metrics, log);
    const extra = attached?.observer;
    const observer: ServingObserver = extra
      ? {
          onInference(outcome) {
            telemetry.onInference(outcome);
            extra.onInference(outcome);
          },
        }
      : telemetry;
    const created = new DeploymentEngine(serving, options, metrics, observer, log);
    engine = created;
    options.peers?.connect({
      deploy: (name, revision, resolved) => created.deployFromPeer(name, revision, resolved),
      remove: (name) => created.removeHere(name),
      snapshot: () => metrics.snapshot(),
    });
    return created;
  }

  get servingModule(): Serving {
    return this.serving;
  }

  names(): string[] {
    return [...this.loaded.keys()];
  }

  /** The models under /serving/{name}; undefined when this process does not serve it. */
  view(name: string): ModelRegistryView | undefined {
    return this.loaded.get(name)?.view;
  }

  revisionOf(name: string): number | undefined {
    return this.loaded.get(name)?.revision;
  }

  resolvedOf(name: string): ResolvedSpec | undefined {
    return this.loaded.get(name)?.resolved;
  }

  /**
   * Serves a resolution under a name: creates the deployment, or switches it with no failed
   * request; then every peer process does the same.
   */
  async deploy(name: string, revision: number, resolved: ResolvedSpec): Promise<void> {
    await this.serveHere(name, revision, resolved);
    await this.options.peers?.deployed(name, revision, resolved);
  }

  /** A peer's change: served here unless it already is (this process's own poll may have been first). */
  async deployFromPeer(name: string, revision: number, resolved: ResolvedSpec): Promise<void> {
    const current = this.loaded.get(name);
    if (current && current.revision === revision && sameServing(current.resolved, resolved)) return;
    await this.serveHere(name, revision, resolved);
  }

  /** GET /metrics: this process's figures, or every serving process's summed. */
  async renderMetrics(): Promise<string> {
    const own = this.metrics.snapshot();
    const all = this.options.peers ? await this.options.peers.metrics(own) : undefined;
    return this.serving.renderSnapshot(all ?? own);
  }

  private async serveHere(name: string, revision: number, resolved: ResolvedSpec): Promise<void> {
    const current = this.loaded.get(name);
    try {
      if (current) {
        for (const t of [...resolved.arms, ...resolved.shadows]) current.locations.set(t.version, t.location);
        await current.deployment.apply(servingSpec(resolved));
        current.revision = revision;
        current.resolved = resolved;
      } else {
        const locations = new Map(
          [...resolved.arms, ...resolved.shadows].map((t) => [t.version, t.location]),
        );
        const deployment = await this.serving.Deployment.create(
          {
            name,
            source: {
              modelDir: async (version) => {
                const location = locations.get(version);
                if (location === undefined) throw new Error(`no location for version ${version}`);
                return this.options.files.directoryOf(location);
              },
            },
            ...(this.options.maxBatchRows ? { batching: { maxBatchRows: this.options.maxBatchRows } } : {}),
            observer: this.metrics,
            ...(this.log ? { predictionLog: this.log } : {}),
          },
          servingSpec(resolved),
        );
        const view = new this.serving.DeploymentRegistry({ defaultDeployment: name });
        view.add(deployment);
        this.loaded.set(name, { deployment, view, locations, revision, resolved });
      }
      this.errors.delete(name);
    } catch (error) {
      this.errors.set(name, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** Records why a deployment is not (or no longer fully) what its spec says. */
  fail(name: string, message: string): void {
    this.errors.set(name, message);
  }

  /** What is served under a name now, for the API's `status`. */
  status(name: string): NonNullable<deployments.Deployment["status"]> | undefined {
    const current = this.loaded.get(name);
    const lastError = this.errors.get(name);
    if (!current)
      return lastError === undefined ? undefined : { model_name: "", arms: [], last_error: lastError };
    const { resolved } = current;
    const total = resolved.arms.reduce((sum, a) => sum + a.weight, 0);
    const primary = resolved.arms.reduce(
      (best, a, i) => (a.weight > resolved.arms[best]!.weight ? i : best),
      0,
    );
    return {
      model_name: resolved.modelName,
      arms: [
        ...resolved.arms.map((a, i) => ({
          model_uri: a.uri,
          version: a.version,
          role: i === primary ? ("primary" as const) : ("canary" as const),
          share: a.weight / total,
        })),
        ...resolved.shadows.map((s) => ({
          model_uri: s.uri,
          version: s.version,
          role: "shadow" as const,
          share: s.percent / 100,
        })),
      ],
      ...(lastError === undefined ? {} : { last_error: lastError }),
    };
  }

  /** Stops serving a name, here and in every peer process: in-flight requests finish, then its versions are released. */
  async remove(name: string): Promise<void> {
    await this.removeHere(name);
    await this.options.peers?.removed(name);
  }

  async removeHere(name: string): Promise<void> {
    const current = this.loaded.get(name);
    this.errors.delete(name);
    if (!current) return;
    this.loaded.delete(name);
    await current.view.close();
  }

  async close(): Promise<void> {
    // Closing one process leaves its peers serving.
    await Promise.all(this.names().map((name) => this.removeHere(name)));
    // Whatever was logged is written before the store behind the log closes.
    await this.log?.close();
  }
}
