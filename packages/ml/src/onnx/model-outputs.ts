/**
 * The public outputs every exported model has, whatever computed them: `prediction` double [N] for
 * regressors; `label` string [N] and `probabilities` double [N, classes] for classifiers; `label`
 * int64 [N] and `distances` double [N, clusters] for clusterers (tensors,
 * no ZipMap, so the serving runtime returns them as they are).
 */
import { attr, TENSOR_DATA_TYPES, type ValueInfo } from "@gyre/onnx";
import { type FittedModel, isClassifier } from "../pipeline/model.js";
import type { OnnxModelOutputs } from "./exportable.js";
import type { GraphBuilder } from "./graph-builder.js";
import { BATCH_DIM } from "./input-convention.js";

export const OUTPUT_NAMES = {
  prediction: "prediction",
  label: "label",
  probabilities: "probabilities",
  distances: "distances",
} as const;

/** The number of clusters of a clusterer (its `params.nClusters`). */
function clusterCount(model: FittedModel): number {
  const params = (model as { readonly params?: { readonly nClusters?: unknown } }).params;
  if (typeof params?.nClusters !== "number")
    throw new Error(`ONNX export: model '${model.kind}' has no nClusters`);
  return params.nClusters;
}

function asDouble(graph: GraphBuilder, value: string, elemType: "double" | "float"): string {
  return elemType === "double"
    ? value
    : graph.op("Cast", [value], { to: attr.int(TENSOR_DATA_TYPES.double) }, { hint: "as_double" });
}

/** Adds the graph outputs for a model's computed values; returns their descriptions. */
export function addModelOutputs(
  graph: GraphBuilder,
  model: FittedModel,
  outputs: OnnxModelOutputs,
): ValueInfo[] {
  if (outputs.task === "regression") {
    const flat = graph.op(
      "Reshape",
      [asDouble(graph, outputs.prediction, outputs.elemType), graph.int64([-1])],
      {},
      {
        hint: "prediction",
      },
    );
    const info: ValueInfo = { name: OUTPUT_NAMES.prediction, elemType: "double", shape: [BATCH_DIM] };
    graph.output(flat, info);
    return [info];
  }
  if (outputs.task === "clustering") {
    const infos: ValueInfo[] = [
      { name: OUTPUT_NAMES.label, elemType: "int64", shape: [BATCH_DIM] },
      { name: OUTPUT_NAMES.distances, elemType: "double", shape: [BATCH_DIM, clusterCount(model)] },
    ];
    graph.output(outputs.label, infos[0]!);
    graph.output(outputs.distances, infos[1]!);
    return infos;
  }
  if (!isClassifier(model)) throw new Error(`ONNX export: model '${model.kind}' has no classes`);
  const probabilities = asDouble(graph, outputs.probabilities, outputs.elemType);
  // The first maximum, as argmaxRows: ArgMax keeps the first index on ties by default.
  const index =
    outputs.classIndex ??
    graph.op(
      "ArgMax",
      [probabilities],
      { axis: attr.int(1), keepdims: attr.int(0) },
      { hint: "class_index" },
    );
  const label = graph.op(
    "Gather",
    [graph.strings(model.classes, [model.classes.length], "classes"), index],
    {},
    {
      hint: "label",
    },
  );
  const infos: ValueInfo[] = [
    { name: OUTPUT_NAMES.label, elemType: "string", shape: [BATCH_DIM] },
    { name: OUTPUT_NAMES.probabilities, elemType: "double", shape: [BATCH_DIM, model.classes.length] },
  ];
  graph.output(label, infos[0]!);
  graph.output(probabilities, infos[1]!);
  return infos;
}
