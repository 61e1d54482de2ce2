import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  innerPath,
  MANIFEST_FILE,
  type ModelSignature,
  manifestSchema,
  parseMlflowSignature,
} from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { listFilesRecursively } from "./local-files.js";
import { parseMlmodelYaml } from "./mlmodel-yaml.js";

/** An ONNX file path, ONNX bytes, or a model directory (Gyre's, or MLflow's with an onnx flavor). */
export type ModelSource = string | Uint8Array;

/** MLflow's manifest file. */
export const MLMODEL_FILE = "MLmodel";

/** A file taken into the model directory unchanged. */
export interface PlannedFile {
  readonly localPath: string;
  /** '/'-separated path inside the model directory. */
  readonly path: string;
}

/** What a source contributes to the model directory that `logModel` writes. */
export interface ModelPlan {
  /** Files copied as they are (the manifests are always written afresh, so never among them). */
  readonly files: readonly PlannedFile[];
  /** ONNX bytes to be written as `modelFile` (a bytes source). */
  readonly bytes?: Uint8Array;
  /** Path of the ONNX file inside the directory. */
  readonly modelFile: string;
  readonly signature?: ModelSignature;
  readonly inputExample?: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** An MLflow source's MLmodel document: its flavors and environment files are kept. */
  readonly mlmodel?: Readonly<Record<string, unknown>>;
}

const DEFAULT_MODEL_FILE = "model.onnx";

function invalid(message: string): GyreError {
  return new GyreError("INVALID_PARAMETER_VALUE", message);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Works out what a source is and what it brings; reads manifests but never the model bytes. */
export async function planModel(source: ModelSource): Promise<ModelPlan> {
  if (source instanceof Uint8Array) {
    if (source.length === 0) throw invalid("The ONNX model bytes are empty.");
    return { files: [], bytes: source, modelFile: DEFAULT_MODEL_FILE };
  }
  const info = await stat(source).catch(() => undefined);
  if (info?.isFile())
    return { files: [{ localPath: source, path: DEFAULT_MODEL_FILE }], modelFile: DEFAULT_MODEL_FILE };
  if (!info?.isDirectory()) throw invalid(`No such ONNX file or model directory: ${source}`);
  const files = await listFilesRecursively(source);
  if (files.includes(MANIFEST_FILE)) return planGyreDir(source, files);
  if (files.includes(MLMODEL_FILE)) return planMlflowDir(source, files);
  throw invalid(
    `${source} is not a model directory: it has neither ${MANIFEST_FILE} nor ${MLMODEL_FILE} (pass the ONNX file itself instead)`,
  );
}

/** The directory's files other than the manifests, which logModel rewrites. */
function keptFiles(dir: string, files: readonly string[]): PlannedFile[] {
  return files
    .filter((file) => file !== MANIFEST_FILE && file !== MLMODEL_FILE)
    .map((file) => ({ localPath: join(dir, file), path: file }));
}

function requireModelFile(dir: string, files: readonly string[], modelFile: string): void {
  if (!files.includes(modelFile)) throw invalid(`The model file ${join(dir, modelFile)} does not exist`);
}

async function planGyreDir(dir: string, files: readonly string[]): Promise<ModelPlan> {
  const file = join(dir, MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw invalid(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(`${file} is invalid: ${describeIssues(parsed.error.issues)}`);
  const manifest = parsed.data;
  requireModelFile(dir, files, manifest.model_file);
  return {
    files: keptFiles(dir, files),
    modelFile: manifest.model_file,
    ...(manifest.signature ? { signature: manifest.signature } : {}),
    ...(manifest.input_example === undefined ? {} : { inputExample: manifest.input_example }),
    ...(manifest.metadata ? { metadata: manifest.metadata } : {}),
  };
}

/** An MLflow model directory is taken when its MLmodel has an onnx flavor (what serving runs). */
async function planMlflowDir(dir: string, files: readonly string[]): Promise<ModelPlan> {
  const document = parseMlmodelYaml(await readFile(join(dir, MLMODEL_FILE), "utf8"));
  if (!isRecord(document)) throw invalid(`${join(dir, MLMODEL_FILE)} does not hold a mapping`);
  const flavors = isRecord(document.flavors) ? document.flavors : {};
  const onnx = flavors.onnx;
  if (!isRecord(onnx)) {
    throw invalid(
      `MLflow model at ${dir}: MLmodel has no onnx flavor (flavors: ${Object.keys(flavors).join(", ") || "none"})`,
    );
  }
  const modelFile = onnx.onnx_model ?? onnx.data;
  if (typeof modelFile !== "string" || !innerPath.safeParse(modelFile).success) {
    throw invalid(
      `MLflow model at ${dir}: flavors.onnx names no model file inside the directory (got ${JSON.stringify(modelFile)})`,
    );
  }
  requireModelFile(dir, files, modelFile);
  const signature = isRecord(document.signature) ? parseMlflowSignature(document.signature) : undefined;
  const inputExample = await readMlflowExample(dir, document.saved_input_example_info);
  return {
    files: keptFiles(dir, files),
    modelFile,
    ...(signature ? { signature } : {}),
    ...(inputExample === undefined ? {} : { inputExample }),
    ...(isRecord(document.metadata) ? { metadata: document.metadata } : {}),
    mlmodel: document,
  };
}

async function readMlflowExample(dir: string, info: unknown): Promise<unknown> {
  if (!isRecord(info) || typeof info.artifact_path !== "string") return undefined;
  if (!innerPath.safeParse(info.artifact_path).success) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, info.artifact_path), "utf8"));
  } catch {
    // The example documents the model; a missing or non-JSON one must not stop logging it.
    return undefined;
  }
}

export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");
}
