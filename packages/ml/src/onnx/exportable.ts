/**
 * The plug-in point of the ONNX export. A fitted model or transformer exports either because it
 * implements `OnnxExportable` / `OnnxExportableTransformer` itself (how new model families such as
 * the tree models plug in, with no change here), or because an exporter is registered for its
 * `kind` (how the linear models and the preprocessing transformers, which predate the export, are
 * covered without touching their classes).
 */
import type { FittedModel } from "../pipeline/model.js";
import type { FittedTransformer } from "../preprocess/transformer.js";
import { builtinModelExporters, builtinTransformerExporters } from "./builtin-exporters.js";
import type { OnnxFrame } from "./onnx-frame.js";

/**
 * What a model's graph computes, as values of the graph (`frame.graph`). The export adds the public
 * outputs from these: `prediction` double [N] for regressors; `probabilities` double [N, classes]
 * and `label` string [N] (the class name, from `classes`) for classifiers; `label` int64 [N] and
 * `distances` double [N, clusters] for clusterers.
 */
export type OnnxModelOutputs =
  | {
      readonly task: "regression";
      /** [N] or [N, 1]. */
      readonly prediction: string;
      readonly elemType: "double" | "float";
    }
  | {
      readonly task: "classification";
      /** [N, classes], rows summing to 1, columns in the order of the model's `classes`. */
      readonly probabilities: string;
      readonly elemType: "double" | "float";
      /**
       * int64 [N]: the predicted class index, when the model's rule is not the first maximum of
       * `probabilities` (which is what `argmaxRows` does and the export computes otherwise).
       */
      readonly classIndex?: string;
    }
  | {
      readonly task: "clustering";
      /** int64 [N]: the cluster index. */
      readonly label: string;
      /** double [N, clusters]: the distance to every cluster centre. */
      readonly distances: string;
    };

/** A fitted model that writes its own graph: reads its features from `frame`, returns its outputs. */
export interface OnnxExportable {
  toOnnx(frame: OnnxFrame): OnnxModelOutputs;
}

/** A fitted transformer that writes its own graph: reads and replaces columns of `frame`. */
export interface OnnxExportableTransformer {
  toOnnx(frame: OnnxFrame): void;
}

export type ModelExporter = (model: FittedModel, frame: OnnxFrame) => OnnxModelOutputs;
export type TransformerExporter = (transformer: FittedTransformer, frame: OnnxFrame) => void;

const modelExporters = new Map<string, ModelExporter>(Object.entries(builtinModelExporters));
const transformerExporters = new Map<string, TransformerExporter>(
  Object.entries(builtinTransformerExporters),
);

export function registerModelExporter(kind: string, exporter: ModelExporter): void {
  modelExporters.set(kind, exporter);
}

export function registerTransformerExporter(kind: string, exporter: TransformerExporter): void {
  transformerExporters.set(kind, exporter);
}

function hasToOnnx(value: object): value is { toOnnx: (frame: OnnxFrame) => unknown } {
  return "toOnnx" in value && typeof value.toOnnx === "function";
}

export function isOnnxExportable(model: FittedModel): model is FittedModel & OnnxExportable {
  return hasToOnnx(model);
}

export function modelExporterFor(model: FittedModel): ModelExporter {
  if (isOnnxExportable(model)) return (m, frame) => (m as FittedModel & OnnxExportable).toOnnx(frame);
  const exporter = modelExporters.get(model.kind);
  if (!exporter) throw new Error(`ONNX export: no exporter for model kind '${model.kind}'`);
  return exporter;
}

export function transformerExporterFor(transformer: FittedTransformer): TransformerExporter {
  if (hasToOnnx(transformer)) {
    return (t, frame) => {
      (t as FittedTransformer & OnnxExportableTransformer).toOnnx(frame);
    };
  }
  const exporter = transformerExporters.get(transformer.kind);
  if (!exporter) throw new Error(`ONNX export: no exporter for transformer kind '${transformer.kind}'`);
  return exporter;
}
