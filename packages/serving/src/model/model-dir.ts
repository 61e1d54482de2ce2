import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { GyreError } from "@gyre/core";
import { MANIFEST_FILE, type Manifest, manifestSchema } from "./manifest.js";
import { MLMODEL_FILE, readMlflowModelDir } from "./mlflow-model.js";
import { type ModelSignature, signatureToJson } from "./signature.js";

/** A model directory, read and checked: where the ONNX file is and what the manifest declares. */
export interface ModelDir {
  readonly path: string;
  /** "gyre": a gyre-model.json manifest; "mlflow": an MLmodel with an onnx flavor. */
  readonly flavor: "gyre" | "mlflow";
  readonly format: "onnx";
  /** Absolute path of the ONNX file (sessions load by path, so external tensor data resolves). */
  readonly modelFile: string;
  /** As declared; absent means "infer from the ONNX graph". */
  readonly signature?: ModelSignature;
  readonly inputExample?: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface ModelDirContents {
  readonly onnxBytes: Uint8Array;
  readonly signature?: ModelSignature;
  readonly inputExample?: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Default "model.onnx". */
  readonly modelFile?: string;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Writes a Gyre model directory: the ONNX file and gyre-model.json. */
export async function writeModelDir(dir: string, contents: ModelDirContents): Promise<ModelDir> {
  const manifest: Manifest = manifestSchema.parse({
    format: "onnx",
    model_file: contents.modelFile ?? "model.onnx",
    ...(contents.signature ? { signature: signatureToJson(contents.signature) } : {}),
    ...(contents.inputExample === undefined ? {} : { input_example: contents.inputExample }),
    ...(contents.metadata ? { metadata: contents.metadata } : {}),
  });
  const modelFile = path.join(dir, manifest.model_file);
  await mkdir(path.dirname(modelFile), { recursive: true });
  await writeFile(modelFile, contents.onnxBytes);
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifestJson(manifest), null, 2)}\n`);
  return toModelDir(dir, manifest);
}

function manifestJson(manifest: Manifest): Record<string, unknown> {
  return manifest.signature
    ? { ...manifest, signature: signatureToJson(manifest.signature) }
    : { ...manifest };
}

function toModelDir(dir: string, manifest: Manifest): ModelDir {
  return {
    path: dir,
    flavor: "gyre",
    format: manifest.format,
    modelFile: path.join(dir, manifest.model_file),
    ...(manifest.signature ? { signature: manifest.signature } : {}),
    ...(manifest.input_example === undefined ? {} : { inputExample: manifest.input_example }),
    ...(manifest.metadata ? { metadata: manifest.metadata } : {}),
  };
}

/** Reads a Gyre model directory, or an MLflow model directory with an onnx flavor. */
export async function readModelDir(dir: string): Promise<ModelDir> {
  const absolute = path.resolve(dir);
  const manifestText = await readOptional(path.join(absolute, MANIFEST_FILE));
  let model: ModelDir;
  if (manifestText !== undefined) {
    model = toModelDir(absolute, parseManifest(absolute, manifestText));
  } else {
    const mlmodel = await readOptional(path.join(absolute, MLMODEL_FILE));
    if (mlmodel === undefined) {
      throw new GyreError(
        "RESOURCE_DOES_NOT_EXIST",
        `${absolute} is not a model directory: it has neither ${MANIFEST_FILE} nor ${MLMODEL_FILE}`,
      );
    }
    model = await readMlflowModelDir(absolute, mlmodel);
  }
  const file = await stat(model.modelFile).catch(() => undefined);
  if (!file?.isFile()) {
    throw new GyreError("RESOURCE_DOES_NOT_EXIST", `The model file ${model.modelFile} does not exist`);
  }
  return model;
}

function parseManifest(dir: string, text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `${path.join(dir, MANIFEST_FILE)} is not JSON: ${(error as Error).message}`,
    );
  }
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new GyreError("INVALID_PARAMETER_VALUE", `${path.join(dir, MANIFEST_FILE)} is invalid: ${issues}`);
}
