import { GyreError } from "@gyre/core";
import * as ort from "onnxruntime-node";
import { type ModelDir, readModelDir } from "../model/model-dir.js";
import type { ModelSignature } from "../model/signature.js";
import { AdaptiveBatcher, type BatcherStats, type BatchingOptions } from "./batcher.js";
import { type ElementType, isElementType, type TensorData } from "./dtypes.js";
import { type GraphValue, type InputBatch, InputSchema, signatureFromGraph } from "./input-schema.js";
import { canJoin, mergeBatches, splitOutputs } from "./merge.js";
import type { OutputTensor, Prediction, Predictor } from "./predictor.js";

export interface RuntimeOptions {
  /** Used in messages; default the model directory's base name. */
  readonly name?: string;
  readonly batching?: BatchingOptions;
}

/**
 * One process per core, one thread per session: ORT's second thread only helps when a core is
 * idle and hurts p99 otherwise (serving.md, Part 2).
 */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

function graphValues(metadata: readonly ort.InferenceSession.ValueMetadata[], what: string): GraphValue[] {
  return metadata.map((m) => {
    if (!m.isTensor) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `The ONNX ${what} '${m.name}' is not a tensor (a ZipMap output?); export classifiers without ZipMap`,
      );
    }
    if (!isElementType(m.type)) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `The ONNX ${what} '${m.name}' has the unsupported type ${m.type}`,
      );
    }
    // Symbolic ("N") and unknown ("") dimensions are both variable.
    return {
      name: m.name,
      type: m.type,
      shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)),
    };
  });
}

/** A loaded ONNX model: a warmed-up session behind an adaptive batcher. */
export class ModelRuntime implements Predictor {
  readonly schema: InputSchema;
  readonly outputs: readonly GraphValue[];
  readonly signature: ModelSignature;
  readonly signatureDeclared: boolean;
  private released = false;
  /** Whether every output's first dimension follows the rows (checked by the warm-up); if not, requests run alone. */
  private splittable = true;
  private readonly batcher: AdaptiveBatcher;

  private constructor(
    readonly name: string,
    readonly model: ModelDir,
    private readonly session: ort.InferenceSession,
    options: RuntimeOptions,
  ) {
    const inputs = graphValues(session.inputMetadata, "input");
    this.outputs = graphValues(session.outputMetadata, "output");
    this.signatureDeclared = model.signature !== undefined;
    this.signature = model.signature ?? signatureFromGraph(inputs, this.outputs);
    this.schema = new InputSchema(this.signature, inputs);
    this.batcher = new AdaptiveBatcher(name, (batches) => this.runBatches(batches), {
      ...options.batching,
      canJoin: (first, next) => this.splittable && canJoin(first, next),
    });
  }

  /** Reads the model directory (Gyre or MLflow), opens the session and warms it up. */
  static async load(model: string | ModelDir, options: RuntimeOptions = {}): Promise<ModelRuntime> {
    const dir = typeof model === "string" ? await readModelDir(model) : model;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(dir.modelFile, SESSION_OPTIONS);
    } catch (error) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Cannot load the ONNX model ${dir.modelFile}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const name = options.name ?? dir.path.split(/[\\/]/).pop() ?? "model";
    try {
      const runtime = new ModelRuntime(name, dir, session, options);
      await runtime.warmUp();
      return runtime;
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  get ready(): boolean {
    return !this.released;
  }

  get stats(): Readonly<BatcherStats> {
    return this.batcher.stats;
  }

  /** Rows waiting for a run. */
  get queueDepth(): number {
    return this.batcher.depth;
  }

  predict(batch: InputBatch): Promise<Prediction> {
    if (this.released) {
      return Promise.reject(new GyreError("TEMPORARILY_UNAVAILABLE", `Model ${this.name} has been unloaded`));
    }
    return this.batcher.submit(batch);
  }

  /** Stops taking requests, lets queued ones finish, then frees the session (hot swap). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.batcher.drain();
    await this.session.release();
  }

  /**
   * Runs one row and then two (zeros, empty strings) so the first request does not pay for
   * lazy initialisation, and checks that every output's first dimension follows the rows —
   * otherwise requests cannot share a run.
   */
  private async warmUp(): Promise<void> {
    const shapes = this.schema.feeds.map((f) => f.rowShape.map((d) => (d < 0 ? 1 : d)));
    try {
      await this.session.run(this.feedsOf(this.schema.allocate(1, shapes)));
      const two = await this.session.run(this.feedsOf(this.schema.allocate(2, shapes)));
      this.splittable = Object.values(two).every((t) => t.dims[0] === 2);
    } catch (error) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `The warm-up run of model ${this.name} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  private feedsOf(batch: InputBatch): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    this.schema.feeds.forEach((feed, i) => {
      feeds[feed.name] = new ort.Tensor(feed.type, batch.data[i] as ort.Tensor.DataType, [
        batch.rows,
        ...batch.rowShapes[i]!,
      ]);
    });
    return feeds;
  }

  private async runBatches(batches: readonly InputBatch[]): Promise<Prediction[]> {
    const merged = mergeBatches(batches);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(this.feedsOf(merged));
    } catch (error) {
      throw new GyreError("INTERNAL_ERROR", `Model ${this.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const outputs: OutputTensor[] = this.outputs.map((meta) => {
      const tensor = results[meta.name] as ort.Tensor;
      return {
        name: meta.name,
        type: tensor.type as ElementType,
        shape: tensor.dims,
        data: tensor.data as TensorData,
      };
    });
    return splitOutputs(outputs, batches);
  }
}
