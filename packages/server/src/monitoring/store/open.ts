import path from "node:path";
import { invalidParameter } from "@gyre/core";
import { ParquetPredictionStore } from "./parquet-store.js";
import { PostgresPredictionStore } from "./postgres-store.js";
import type { PredictionStore } from "./prediction-store.js";

/**
 * The prediction store a URI names: `postgresql://…` (or `postgres://…`) is the scale-out store;
 * `parquet:///abs/dir`, `file:///abs/dir` or an absolute path is the embedded Parquet store.
 * A new backend is one class implementing PredictionStore, one branch here, and one entry in the
 * conformance suite's backend list.
 */
export function openPredictionStore(uri: string): PredictionStore {
  if (/^postgres(ql)?:\/\//i.test(uri)) return new PostgresPredictionStore(uri);
  const local = /^(parquet|file):\/\//i.test(uri) ? uri.replace(/^(parquet|file):\/\//i, "") : uri;
  if (!path.isAbsolute(local)) {
    throw invalidParameter(
      `Prediction store URI '${uri}' must be postgresql://… or an absolute directory (parquet:///dir).`,
    );
  }
  return new ParquetPredictionStore(path.normalize(local));
}

/** The default: Parquet files under the server's local artifact destination. */
export function defaultPredictionStoreUri(artifactRoot: string): string {
  return `parquet://${path.join(artifactRoot, "monitoring", "predictions")}`;
}
