/**
 * `exportOnnx`: a fitted pipeline, model or transformer as one ONNX graph (ai.onnx opset 17 and,
 * where categorical lookups need it, ai.onnx.ml opset 3). A pipeline's transformers and model share
 * the graph: each step reads the columns the previous steps left in the `OnnxFrame`.
 */
import {
  DEFAULT_IR_VERSION,
  DEFAULT_ML_OPSET,
  DEFAULT_ONNX_OPSET,
  encodeModel,
  ML_DOMAIN,
  type Model,
  ONNX_DOMAIN,
  type OpsetImport,
  type ValueInfo,
} from "@gyre/onnx";
import type { Frame } from "../frame/frame.js";
import { type FittedClassifier, type FittedModel, isClassifier } from "../pipeline/model.js";
import { FittedPipeline } from "../pipeline/pipeline.js";
import type { FittedTransformer } from "../preprocess/transformer.js";
import { modelExporterFor, transformerExporterFor } from "./exportable.js";
import { GraphBuilder } from "./graph-builder.js";
import { inputColumnsOf, type OnnxInputColumn } from "./input-convention.js";
import { addModelOutputs } from "./model-outputs.js";
import { OnnxFrame } from "./onnx-frame.js";
import { addFrameOutputs } from "./transformer-outputs.js";

/** A pipeline, a model, a transformer, or a chain of transformers (e.g. `ordEncoding` fitted). */
export type OnnxExportTarget =
  | FittedPipeline
  | FittedModel
  | FittedTransformer
  | readonly FittedTransformer[];

export interface ExportOnnxOptions {
  /**
   * The input columns: a frame with the training columns (its names and kinds are used), or the
   * list. Every one becomes a graph input, read or not, so the model takes whole data rows.
   * Default: the columns the graph reads, each with the kind its first reader expects.
   */
  readonly inputs?: Frame | readonly OnnxInputColumn[];
  /** Raw strings meaning "missing" in categorical inputs; default "" and "NA" (the CSV reader's). */
  readonly missingStrings?: readonly string[];
  /** The graph's name; default "gyre-ml". */
  readonly name?: string;
  /** Extra `metadata_props`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The model plus what a signature needs to describe it. */
export interface OnnxExport {
  readonly model: Model;
  readonly inputs: readonly OnnxInputColumn[];
  readonly outputs: readonly ValueInfo[];
  readonly missingStrings: readonly string[];
  /** "regression", "classification" or "clustering" for models; "transform" for a transformer on its own. */
  readonly task: "regression" | "classification" | "clustering" | "transform";
  readonly classes?: readonly string[];
}

export function isFittedTransformer(target: OnnxExportTarget): target is FittedTransformer {
  return (
    !Array.isArray(target) &&
    !(target instanceof FittedPipeline) &&
    "transform" in target &&
    typeof target.transform === "function"
  );
}

function isTransformerChain(target: OnnxExportTarget): target is readonly FittedTransformer[] {
  return Array.isArray(target);
}

function kindOf(target: OnnxExportTarget): string {
  if (isTransformerChain(target)) return `transformers(${target.map((t) => t.kind).join(", ")})`;
  return target instanceof FittedPipeline ? `pipeline(${target.model.kind})` : target.kind;
}

export function buildOnnxExport(target: OnnxExportTarget, options: ExportOnnxOptions = {}): OnnxExport {
  const graph = new GraphBuilder();
  const inputs =
    options.inputs && "columns" in options.inputs ? inputColumnsOf(options.inputs) : options.inputs;
  const frame = new OnnxFrame(graph, {
    ...(inputs ? { inputs } : {}),
    ...(options.missingStrings ? { missingStrings: options.missingStrings } : {}),
  });

  let outputs: ValueInfo[];
  let task: OnnxExport["task"];
  let model: FittedModel | undefined;
  if (isTransformerChain(target) || isFittedTransformer(target)) {
    for (const step of isTransformerChain(target) ? target : [target])
      transformerExporterFor(step)(step, frame);
    outputs = addFrameOutputs(frame);
    task = "transform";
  } else {
    const steps = target instanceof FittedPipeline ? target.steps : [];
    model = target instanceof FittedPipeline ? target.model : target;
    for (const step of steps) transformerExporterFor(step)(step, frame);
    const computed = modelExporterFor(model)(model, frame);
    outputs = addModelOutputs(graph, model, computed);
    task = computed.task;
  }

  const classes = model && isClassifier(model) ? (model as FittedClassifier).classes : undefined;
  const opsetImports: OpsetImport[] = [{ domain: ONNX_DOMAIN, version: DEFAULT_ONNX_OPSET }];
  if (graph.mlDomainUsed) opsetImports.push({ domain: ML_DOMAIN, version: DEFAULT_ML_OPSET });
  const metadata: Record<string, string> = {
    "gyre.kind": kindOf(target),
    "gyre.inputs": JSON.stringify(frame.inputs),
    "gyre.missing_strings": JSON.stringify(frame.missingStrings),
    ...(classes ? { "gyre.classes": JSON.stringify(classes) } : {}),
    ...options.metadata,
  };
  return {
    model: {
      irVersion: DEFAULT_IR_VERSION,
      opsetImports,
      producer: { name: "@gyre/ml", version: "0.1.0" },
      graph: graph.build(options.name ?? "gyre-ml"),
      metadata,
    },
    inputs: [...frame.inputs],
    outputs,
    missingStrings: frame.missingStrings,
    task,
    ...(classes ? { classes } : {}),
  };
}

/** The ONNX file's bytes. */
export function exportOnnx(target: OnnxExportTarget, options: ExportOnnxOptions = {}): Uint8Array {
  return encodeModel(buildOnnxExport(target, options).model);
}
