import {
  type AuditEntry,
  type Experiment,
  type FileInfo,
  LIMITS,
  type Metric,
  type ModelVersion,
  type ModelVersionStage,
  type RegisteredModel,
  type Run as RunRecord,
  tracking,
  type ViewType,
} from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { RunArtifacts } from "./artifacts.js";
import { collectPages, toKeyValues } from "./batching.js";
import { GyreClient, type GyreClientOptions } from "./client.js";
import * as datasets from "./datasets.js";
import { DeploymentsClient } from "./deployments.js";
import { ensureExperiment, listAllExperiments, requireExperimentByName } from "./experiments.js";
import { FeaturesClient } from "./features.js";
import { downloadModel } from "./model-download.js";
import * as models from "./registry.js";
import { Run, type RunHost, type StartRunOptions } from "./run.js";
import { currentSourceContext, type SourceContext, sourceTags } from "./source-tags.js";

export interface GyreOptions extends GyreClientOptions {
  /** How long a logged metric may wait in the buffer before a background flush sends it; default 1000 ms. */
  metricFlushIntervalMs?: number;
}

export interface SearchRunsOptions {
  experimentIds?: string[];
  /** Experiment names, resolved to ids; a missing name is RESOURCE_DOES_NOT_EXIST. */
  experiments?: string[];
  /** MLflow filter grammar, e.g. `metrics.loss < 0.1 and params.lr = '0.01'`. */
  filter?: string;
  /** e.g. `["metrics.loss ASC", "start_time DESC"]`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  view?: ViewType;
}

export interface RunsPage {
  runs: RunRecord[];
  nextPageToken: string | undefined;
}

/** Experiment "0" ("Default") exists in every MLflow store, and MLflow's client falls back to it too. */
const DEFAULT_EXPERIMENT_ID = "0";
const DEFAULT_METRIC_FLUSH_INTERVAL_MS = 1000;
const HISTORY_PAGE_SIZE = 25_000;

/** The high-level client: start runs, log to them, read results back. */
export class Gyre implements RunHost {
  readonly client: GyreClient;
  /** The feature store: plan/apply, getOnline, getHistorical, materialize. */
  readonly features: FeaturesClient;
  /** Named deployments: create/get/list/update/rollback/delete, and predictions (V2 and MLflow). */
  readonly deployments: DeploymentsClient;
  private readonly metricFlushIntervalMs: number;
  private sourceContext: SourceContext | undefined;

  constructor(options: GyreOptions = {}) {
    this.client = new GyreClient(options);
    this.features = new FeaturesClient(this.client);
    this.deployments = new DeploymentsClient(this.client);
    this.metricFlushIntervalMs = options.metricFlushIntervalMs ?? DEFAULT_METRIC_FLUSH_INTERVAL_MS;
  }

  /** Starts a run with MLflow's automatic source tags; `params` are logged before it is returned. */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    const experimentId = await this.experimentIdFor(options);
    const source = this.source();
    const parentId = typeof options.parent === "string" ? options.parent : options.parent?.id;
    const tags = {
      ...sourceTags(source),
      ...(parentId ? { "mlflow.parentRunId": parentId } : {}),
      ...options.tags,
    };
    const { run } = await this.client.call(tracking.createRun, {
      experiment_id: experimentId,
      run_name: options.name,
      user_id: source.user,
      start_time: Date.now(),
      tags: toKeyValues(tags),
    });
    const started = new Run(this, run.info, {
      batchSize: LIMITS.batchMetrics,
      intervalMs: this.metricFlushIntervalMs,
    });
    if (options.params) {
      await started.logParams(options.params).catch(async (error: unknown) => {
        await started.end("FAILED").catch(() => undefined);
        throw error;
      });
    }
    return started;
  }

  /** Runs `body` inside a run that ends FINISHED, or FAILED when `body` throws (the error is rethrown). */
  async withRun<T>(options: StartRunOptions, body: (run: Run) => Promise<T>): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await body(run);
    } catch (error) {
      // The body's error is the one worth reporting; a failure to end is secondary.
      await run.end("FAILED").catch(() => undefined);
      throw error;
    }
    await run.end("FINISHED");
    return result;
  }

  async getRun(runId: string): Promise<RunRecord> {
    return (await this.client.call(tracking.getRun, { run_id: runId })).run;
  }

  /** One page of runs; pass `nextPageToken` back as `pageToken` for the next. */
  async searchRuns(options: SearchRunsOptions): Promise<RunsPage> {
    const named = await Promise.all(
      (options.experiments ?? []).map(
        async (name) => (await requireExperimentByName(this.client, name)).experiment_id,
      ),
    );
    const page = await this.client.call(tracking.searchRuns, {
      experiment_ids: [...(options.experimentIds ?? []), ...named],
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
      run_view_type: options.view,
    });
    return { runs: page.runs ?? [], nextPageToken: page.next_page_token || undefined };
  }

  /** Every point of one metric, ordered by (timestamp, step, value). */
  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return collectPages(async (pageToken) => {
      const page = await this.client.call(tracking.getMetricHistory, {
        run_id: runId,
        metric_key: key,
        max_results: HISTORY_PAGE_SIZE,
        page_token: pageToken,
      });
      return { items: page.metrics, next: page.next_page_token };
    });
  }

  listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return collectPages(async (pageToken) => {
      const page = await this.client.call(tracking.listArtifacts, {
        run_id: runId,
        path,
        page_token: pageToken,
      });
      return { items: page.files, next: page.next_page_token };
    });
  }

  /** Streams one artifact file of any run to `destinationFile`. */
  async downloadArtifact(runId: string, path: string, destinationFile: string): Promise<void> {
    const run = await this.getRun(runId);
    await new RunArtifacts(this.client, run.info.artifact_uri).download(path, destinationFile);
  }

  listExperiments(options: { view?: ViewType } = {}): Promise<Experiment[]> {
    return listAllExperiments(this.client, options.view ?? "ACTIVE_ONLY");
  }

  getExperimentByName(name: string): Promise<Experiment> {
    return requireExperimentByName(this.client, name);
  }

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: Record<string, string> } = {},
  ): Promise<Experiment> {
    const { experiment_id } = await this.client.call(tracking.createExperiment, {
      name,
      artifact_location: options.artifactLocation,
      tags: options.tags ? toKeyValues(options.tags) : undefined,
    });
    return (await this.client.call(tracking.getExperiment, { experiment_id })).experiment;
  }

  // ---- Model registry ----

  /**
   * Registers a new version of `name` from a runs:/, models:/ or artifact URI (e.g. what
   * `run.logModel` returned), creating the registered model when missing.
   */
  registerModel(uri: string, name: string, options: models.RegisterModelOptions = {}): Promise<ModelVersion> {
    return models.registerModel(this.client, uri, name, options);
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return models.getRegisteredModel(this.client, name);
  }

  /** Every registered model matching the filter (MLflow's grammar over name and tags). */
  listRegisteredModels(options: models.SearchOptions = {}): Promise<RegisteredModel[]> {
    return models.listRegisteredModels(this.client, options);
  }

  getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return models.getModelVersion(this.client, name, version);
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return models.getModelVersionByAlias(this.client, name, alias);
  }

  /** Every model version matching the filter, e.g. `name = 'churn'`. */
  searchModelVersions(options: models.SearchOptions = {}): Promise<ModelVersion[]> {
    return models.searchModelVersions(this.client, options);
  }

  /** Points `alias` at `version`, moving it atomically when it exists. */
  setAlias(name: string, alias: string, version: string | number): Promise<void> {
    return models.setAlias(this.client, name, alias, version);
  }

  deleteAlias(name: string, alias: string): Promise<void> {
    return models.deleteAlias(this.client, name, alias);
  }

  transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: ModelVersionStage | string,
    options: models.TransitionOptions = {},
  ): Promise<ModelVersion> {
    return models.transitionStage(this.client, name, version, stage, options);
  }

  /** The version behind models:/name/3, models:/name@alias, models:/name/latest or models:/name/<stage>. */
  resolveModel(uri: string): Promise<models.ResolvedModel> {
    return models.resolveModel(this.client, uri);
  }

  /** The audit log of a model, or of one of its versions, newest first. */
  modelHistory(name: string, version?: string | number): Promise<AuditEntry[]> {
    return models.modelHistory(this.client, name, version);
  }

  /**
   * Downloads the model directory behind a models:/, runs:/ or mlflow-artifacts: URI into `dir`
   * (created when missing); resolves to its absolute path.
   */
  downloadModel(uri: string, dir: string): Promise<string> {
    return downloadModel(this.client, uri, dir);
  }

  // ---- Datasets ----

  /**
   * Registers a file or directory (CSV, Parquet, JSON lines) as the next version of `name`, or
   * returns the version already holding identical content. Pass the result to `run.logInput`.
   */
  async registerDataset(path: string, options: datasets.RegisterDatasetOptions): Promise<datasets.Dataset> {
    return (await datasets.registerDataset(this.client, path, options)).dataset;
  }

  /** A dataset version by `name`, `name@3` or `name@latest`. */
  getDataset(ref: string): Promise<datasets.Dataset> {
    return datasets.getDataset(this.client, ref);
  }

  private async experimentIdFor(options: StartRunOptions): Promise<string> {
    if (options.experiment !== undefined && options.experimentId !== undefined) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        "Give either 'experiment' (a name) or 'experimentId', not both.",
      );
    }
    if (options.experiment !== undefined) return ensureExperiment(this.client, options.experiment);
    return options.experimentId ?? DEFAULT_EXPERIMENT_ID;
  }

  /** Git and host facts do not change while a process runs; collect them once. */
  private source(): SourceContext {
    this.sourceContext ??= currentSourceContext();
    return this.sourceContext;
  }
}
