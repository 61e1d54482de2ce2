import { encodeDouble, type FileInfo, LIMITS, type RunInfo, type RunStatus, tracking } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { RunArtifacts } from "./artifacts.js";
import { chunked, toKeyValues } from "./batching.js";
import type { GyreClient } from "./client.js";
import { cancelFlushBeforeExit, type ExitFlushable, flushBeforeExit } from "./exit-flush.js";
import { type LogModelOptions, logModel } from "./log-model.js";
import { MetricBuffer, type MetricBufferOptions, type MetricPoint } from "./metric-buffer.js";
import type { ModelSource } from "./model-source.js";

export type ParamValue = string | number | boolean;

export interface MetricOptions {
  /** Integer step; default 0. */
  step?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

/** A dataset as MLflow records it: `source`, `schema` and `profile` are JSON text. */
export interface DatasetDescription {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export type DatasetContext = "training" | "validation" | "testing" | "evaluation" | (string & {});

export interface LogInputOptions {
  /** Stored as the input tag mlflow.data.context (searchable as datasets.context). */
  context?: DatasetContext;
  tags?: Record<string, string>;
}

export interface StartRunOptions {
  /** Experiment name; created when missing. */
  experiment?: string;
  experimentId?: string;
  name?: string;
  tags?: Record<string, string>;
  parent?: Run | string;
  params?: Record<string, ParamValue>;
}

/** What a Run needs from the Gyre that started it. */
export interface RunHost {
  readonly client: GyreClient;
  startRun(options: StartRunOptions): Promise<Run>;
  listArtifacts(runId: string, path?: string): Promise<FileInfo[]>;
}

type RunState = "open" | "ending" | "ended";

/** A live run: logs to the server, buffers metrics, and ends with a status. Obtain one from `Gyre.startRun`. */
export class Run {
  private current: RunInfo;
  private readonly metrics: MetricBuffer;
  private state: RunState = "open";
  private ending: Promise<void> | undefined;
  private artifactsCache: RunArtifacts | undefined;
  private readonly exitHook: ExitFlushable = {
    flushAtExit: () =>
      this.metrics.flush().catch((error: unknown) => {
        process.emitWarning(
          `Gyre: metrics of run ${this.id} could not be sent before exit: ${String(error)}`,
        );
      }),
  };

  constructor(
    private readonly host: RunHost,
    info: RunInfo,
    bufferOptions: MetricBufferOptions,
  ) {
    this.current = info;
    this.metrics = new MetricBuffer((points) => this.sendMetrics(points), bufferOptions);
    flushBeforeExit(this.exitHook);
  }

  /** The run as the server last described it (refreshed by `end()`). */
  get info(): RunInfo {
    return this.current;
  }

  get id(): string {
    return this.current.run_id;
  }

  get experimentId(): string {
    return this.current.experiment_id;
  }

  private get client(): GyreClient {
    return this.host.client;
  }

  /** Params are immutable: logging a key again with another value fails with INVALID_PARAMETER_VALUE. */
  logParams(params: Record<string, ParamValue>): Promise<void> {
    return this.logKeyValues("params", params);
  }

  logParam(key: string, value: ParamValue): Promise<void> {
    return this.logParams({ [key]: value });
  }

  setTags(tags: Record<string, ParamValue>): Promise<void> {
    return this.logKeyValues("tags", tags);
  }

  setTag(key: string, value: ParamValue): Promise<void> {
    return this.setTags({ [key]: value });
  }

  /**
   * Buffers the points; they reach the server within the flush interval, when 1000 are waiting,
   * on `flush()`, on `end()` or when the process is about to exit. Throws the error of a failed
   * background flush. Sending happens when the caller yields to the event loop; a loop that
   * never awaits keeps its points in memory until it does.
   */
  logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): void {
    if (this.state !== "open") {
      throw new GyreError("INVALID_STATE", `Run ${this.id} has ended; no more metrics can be logged to it.`);
    }
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    if (!Number.isSafeInteger(step) || !Number.isSafeInteger(timestamp)) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Metric step and timestamp must be integers (got ${step}, ${timestamp}).`,
      );
    }
    const points: MetricPoint[] = [];
    for (const [key, value] of Object.entries(metrics)) {
      if (typeof value !== "number") {
        throw new GyreError(
          "INVALID_PARAMETER_VALUE",
          `Metric '${key}' must be a number, got ${typeof value}.`,
        );
      }
      points.push({ key, value, timestamp, step });
    }
    this.metrics.add(points);
  }

  logMetric(key: string, value: number, options: MetricOptions = {}): void {
    this.logMetrics({ [key]: value }, options);
  }

  /** Sends every buffered metric point now. */
  flush(): Promise<void> {
    return this.metrics.flush();
  }

  async logInput(dataset: DatasetDescription, options: LogInputOptions = {}): Promise<void> {
    const tags = { ...options.tags, ...(options.context ? { "mlflow.data.context": options.context } : {}) };
    await this.client.call(tracking.logInputs, {
      run_id: this.id,
      datasets: [
        {
          tags: toKeyValues(tags),
          dataset: {
            name: dataset.name,
            digest: dataset.digest,
            source_type: dataset.sourceType,
            source: dataset.source,
            schema: dataset.schema,
            profile: dataset.profile,
          },
        },
      ],
    });
  }

  /** Uploads one file (streamed from disk) as `<artifactDir>/<file name>`; returns its artifact path. */
  logArtifact(localPath: string, artifactDir?: string): Promise<string> {
    return this.artifacts().uploadFile(localPath, artifactDir);
  }

  /** Uploads the regular files of a directory tree under `artifactDir` (symbolic links are not followed); returns the artifact paths written. */
  logArtifacts(localDir: string, artifactDir?: string): Promise<string[]> {
    return this.artifacts().uploadDirectory(localDir, artifactDir);
  }

  /** One directory level of the run's artifacts; paths are relative to the artifact root. */
  listArtifacts(path?: string): Promise<FileInfo[]> {
    return this.host.listArtifacts(this.id, path);
  }

  /** Streams one artifact file to `destinationFile`. */
  downloadArtifact(path: string, destinationFile: string): Promise<void> {
    return this.artifacts().download(path, destinationFile);
  }

  /**
   * Logs a model: an ONNX file path, ONNX bytes, or a model directory (Gyre's, or MLflow's with
   * an onnx flavor). Writes a Gyre model directory (gyre-model.json, and an MLmodel for MLflow's
   * loaders) under `artifactPath` (default "model"), records it with runs/log-model so MLflow
   * clients list it, and returns its `runs:/<run>/<path>` URI, ready for `Gyre.registerModel`.
   */
  logModel(source: ModelSource, options: LogModelOptions = {}): Promise<string> {
    return logModel({ id: this.id, client: this.client, artifacts: this.artifacts() }, source, options);
  }

  /** A run nested under this one (tag mlflow.parentRunId), in this run's experiment unless told otherwise. */
  startChildRun(options: Omit<StartRunOptions, "parent"> = {}): Promise<Run> {
    const inSameExperiment = options.experiment === undefined && options.experimentId === undefined;
    return this.host.startRun({
      ...options,
      ...(inSameExperiment ? { experimentId: this.experimentId } : {}),
      parent: this,
    });
  }

  /**
   * Flushes metrics, then records the status and end time. The run is ended even when the flush
   * fails; that error is thrown afterwards. Calling it again after success does nothing.
   */
  end(status: RunStatus = "FINISHED"): Promise<void> {
    this.ending ??= this.finish(status).finally(() => {
      this.ending = undefined;
    });
    return this.ending;
  }

  private async finish(status: RunStatus): Promise<void> {
    if (this.state === "ended") return;
    this.state = "ending";
    cancelFlushBeforeExit(this.exitHook);
    const flushFailure = await this.metrics.flush().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    try {
      const { run_info } = await this.client.call(tracking.updateRun, {
        run_id: this.id,
        status,
        end_time: Date.now(),
      });
      this.current = run_info;
      this.state = "ended";
    } catch (error) {
      this.state = "open";
      flushBeforeExit(this.exitHook);
      throw error;
    }
    if (flushFailure) throw flushFailure.error;
  }

  /** Params and tags go out at once, in log-batch requests of at most 100 each (MLflow's limit). */
  private async logKeyValues(field: "params" | "tags", record: Record<string, ParamValue>): Promise<void> {
    const limit = field === "params" ? LIMITS.batchParams : LIMITS.batchTags;
    for (const batch of chunked(toKeyValues(record), limit)) {
      await this.client.call(tracking.logBatch, { run_id: this.id, [field]: batch });
    }
  }

  private async sendMetrics(points: MetricPoint[]): Promise<void> {
    await this.client.call(tracking.logBatch, {
      run_id: this.id,
      metrics: points.map((point) => ({ ...point, value: encodeDouble(point.value) })),
    });
  }

  private artifacts(): RunArtifacts {
    this.artifactsCache ??= new RunArtifacts(this.client, this.info.artifact_uri);
    return this.artifactsCache;
  }
}
