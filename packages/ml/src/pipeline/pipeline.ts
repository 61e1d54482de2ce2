/**
 * A pipeline: transformers fitted in order on the training frame, then a model fitted on their
 * output. The fitted pipeline is one unit: it predicts on raw frames and saves to one JSON document.
 */
import type { Target } from "../data/target.js";
import type { Frame } from "../frame/frame.js";
import { type TransformerLoader, transformerFromJSON, transformerLoaders } from "../preprocess/registry.js";
import type { FittedTransformer, Transformer } from "../preprocess/transformer.js";
import { arrayField, type Json, type KindedJson, kindedField } from "./json.js";
import type { Estimator, FittedClassifier, FittedModel, ModelLoader } from "./model.js";
import { isClassifier } from "./model.js";

export const PIPELINE_FORMAT = "gyre-ml/pipeline@1";

export class Pipeline<Y extends Target, M extends FittedModel> {
  constructor(
    readonly steps: readonly Transformer[],
    readonly model: Estimator<Y, M>,
  ) {}

  fit(frame: Frame, target: Y): FittedPipeline<M> {
    const fitted: FittedTransformer[] = [];
    let current = frame;
    for (const step of this.steps) {
      const f = step.fit(current);
      fitted.push(f);
      current = f.transform(current);
    }
    return new FittedPipeline(fitted, this.model.fit(current, target));
  }
}

export class FittedPipeline<M extends FittedModel = FittedModel> {
  constructor(
    readonly steps: readonly FittedTransformer[],
    readonly model: M,
  ) {}

  /** The frame the model sees. */
  transform(frame: Frame): Frame {
    return this.steps.reduce((current, step) => step.transform(current), frame);
  }

  predict(frame: Frame): ReturnType<M["predict"]> {
    return this.model.predict(this.transform(frame)) as ReturnType<M["predict"]>;
  }

  predictProba(this: FittedPipeline<FittedClassifier>, frame: Frame): Float64Array {
    return this.model.predictProba(this.transform(frame));
  }

  get isClassifier(): boolean {
    return isClassifier(this.model);
  }

  toJSON(): KindedJson {
    return {
      kind: "pipeline",
      format: PIPELINE_FORMAT,
      steps: this.steps.map((s) => s.toJSON()),
      model: this.model.toJSON(),
    };
  }

  /** `models` maps a saved model kind to its loader (see `linearModelLoaders`; tree models add theirs). */
  static fromJSON(
    json: Json,
    models: Readonly<Record<string, ModelLoader>>,
    transformers: Readonly<Record<string, TransformerLoader>> = transformerLoaders,
  ): FittedPipeline {
    const saved = kindedField(json, "pipeline");
    if (saved.kind !== "pipeline" || saved.format !== PIPELINE_FORMAT) {
      throw new Error(`Not a saved pipeline in format ${PIPELINE_FORMAT}`);
    }
    const steps = arrayField(saved.steps, "pipeline.steps").map((s) =>
      transformerFromJSON(kindedField(s, "pipeline step"), transformers),
    );
    const modelJson = kindedField(saved.model, "pipeline.model");
    const load = models[modelJson.kind];
    if (!load) throw new Error(`No loader for saved model kind '${modelJson.kind}'`);
    return new FittedPipeline(steps, load(modelJson));
  }
}
