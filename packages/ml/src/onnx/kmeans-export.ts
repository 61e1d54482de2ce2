/**
 * k-means in a graph: squared distances to every centre as `assign` in cluster/kmeans.ts scores
 * them (‖c‖² − 2x·c, plus ‖x‖²), ArgMin for the label (the first minimum on ties, as `assign`), and
 * the Euclidean distances to the centres as an extra output (scikit-learn's `transform`), all in
 * double.
 */
import { attr } from "@gyre/onnx";
import { KMeansModel } from "../cluster/kmeans.js";
import type { FittedModel } from "../pipeline/model.js";
import type { OnnxModelOutputs } from "./exportable.js";
import type { OnnxFrame } from "./onnx-frame.js";

export function exportKMeans(model: FittedModel, frame: OnnxFrame): OnnxModelOutputs {
  if (!(model instanceof KMeansModel)) throw new Error("Expected a KMeansModel");
  const { graph } = frame;
  if (!model.columns) throw new Error("ONNX export: a k-means model fitted on a matrix has no input columns");
  const { clusterCenters: centers, nFeatures: d } = model;
  const k = model.params.nClusters;
  const columns = model.columns.map((name) => frame.numeric(name));
  const x =
    columns.length === 1 ? columns[0]! : graph.op("Concat", columns, { axis: attr.int(1) }, { hint: "x" });
  const transposed = new Float64Array(d * k);
  const norms = new Float64Array(k);
  for (let c = 0; c < k; c++)
    for (let j = 0; j < d; j++) {
      transposed[j * k + c] = centers[c * d + j]!;
      norms[c]! += centers[c * d + j]! ** 2;
    }
  const dot = graph.op("MatMul", [x, graph.double(transposed, [d, k], "centers_t")], {}, { hint: "x_dot_c" });
  const score = graph.op(
    "Sub",
    [graph.double(norms, [k], "center_norms"), graph.op("Mul", [dot, graph.scalar(2, "double")])],
    {},
    { hint: "score" },
  );
  const label = graph.op(
    "ArgMin",
    [score],
    { axis: attr.int(1), keepdims: attr.int(0) },
    { hint: "cluster" },
  );
  const rowNorm = graph.op(
    "ReduceSumSquare",
    [x],
    { axes: attr.ints([1]), keepdims: attr.int(1) },
    { hint: "x_norm" },
  );
  // Clamped at 0 as `assign` does: cancellation can leave a tiny negative squared distance.
  const squared = graph.op("Max", [graph.op("Add", [score, rowNorm]), graph.scalar(0, "double")]);
  const distances = graph.op("Sqrt", [squared], {}, { hint: "distances" });
  return { task: "clustering", label, distances };
}
