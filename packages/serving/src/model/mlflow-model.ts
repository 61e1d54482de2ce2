import { readFile } from "node:fs/promises";
import path from "node:path";
import { GyreError } from "@gyre/core";
import { parse as parseYaml } from "yaml";
import { innerPath } from "./manifest.js";
import type { ModelDir } from "./model-dir.js";
import { parseMlflowSignature } from "./signature.js";

/** The file that makes a directory an MLflow model. */
export const MLMODEL_FILE = "MLmodel";

interface MlflowModelDocument {
  flavors?: Record<string, Record<string, unknown> | null>;
  signature?: { inputs?: unknown; outputs?: unknown } | null;
  saved_input_example_info?: { artifact_path?: unknown } | null;
  metadata?: Record<string, unknown> | null;
}

function invalid(dir: string, detail: string): GyreError {
  return new GyreError("INVALID_PARAMETER_VALUE", `MLflow model at ${dir}: ${detail}`);
}

/**
 * An MLflow model directory served as is when its MLmodel has an `onnx` flavor: the model file
 * is `flavors.onnx.onnx_model` (or `data`, the key MLflow writes), the signature comes from
 * MLmodel, the input example from `saved_input_example_info`.
 */
export async function readMlflowModelDir(dir: string, text: string): Promise<ModelDir> {
  let doc: MlflowModelDocument;
  try {
    doc = (parseYaml(text) ?? {}) as MlflowModelDocument;
  } catch (error) {
    throw invalid(dir, `MLmodel is not valid YAML (${(error as Error).message})`);
  }
  const flavors = doc.flavors ?? {};
  const onnx = flavors.onnx;
  if (!onnx) {
    throw invalid(dir, `MLmodel has no onnx flavor (flavors: ${Object.keys(flavors).join(", ") || "none"})`);
  }
  const file = onnx.onnx_model ?? onnx.data;
  if (typeof file !== "string" || !innerPath.safeParse(file).success) {
    throw invalid(dir, `flavors.onnx names no model file inside the directory (got ${JSON.stringify(file)})`);
  }
  const signature = doc.signature ? parseMlflowSignature(doc.signature) : undefined;
  const example = await readInputExample(dir, doc.saved_input_example_info?.artifact_path);
  return {
    path: dir,
    flavor: "mlflow",
    format: "onnx",
    modelFile: path.join(dir, file),
    ...(signature ? { signature } : {}),
    ...(example === undefined ? {} : { inputExample: example }),
    ...(doc.metadata ? { metadata: doc.metadata } : {}),
  };
}

async function readInputExample(dir: string, file: unknown): Promise<unknown> {
  if (typeof file !== "string" || !innerPath.safeParse(file).success) return undefined;
  try {
    return JSON.parse(await readFile(path.join(dir, file), "utf8"));
  } catch {
    // The example is documentation: a missing or non-JSON example must not stop serving.
    return undefined;
  }
}
