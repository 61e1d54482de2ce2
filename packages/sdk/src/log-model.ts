import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { MANIFEST_FILE, type ModelSignature, manifestSchema, signatureToJson, tracking } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { joinArtifactPath } from "./artifact-paths.js";
import type { RunArtifacts } from "./artifacts.js";
import type { GyreClient } from "./client.js";
import { INPUT_EXAMPLE_FILE, isSplitDataFrame, mlmodelDocument } from "./mlflow-model.js";
import {
  describeIssues,
  MLMODEL_FILE,
  type ModelPlan,
  type ModelSource,
  type PlannedFile,
  planModel,
} from "./model-source.js";
import { runsUri } from "./model-uri.js";

export interface LogModelOptions {
  /** Where the model directory goes inside the run's artifacts; default "model". */
  artifactPath?: string;
  /**
   * Named, typed inputs and outputs; replaces a signature the source declares. Without one, the
   * runtime infers a tensor signature from the ONNX graph.
   */
  signature?: ModelSignature;
  /** A JSON example of the input; replaces the source's. */
  inputExample?: unknown;
  /** Merged over the source's metadata. */
  metadata?: Record<string, unknown>;
}

/** What logging needs from the run. */
export interface ModelLoggingRun {
  readonly id: string;
  readonly client: GyreClient;
  readonly artifacts: RunArtifacts;
}

const DEFAULT_ARTIFACT_PATH = "model";

/**
 * Writes a Gyre model directory under the run's artifacts and records it with runs/log-model;
 * returns its `runs:/<run>/<path>` URI.
 */
export async function logModel(
  run: ModelLoggingRun,
  source: ModelSource,
  options: LogModelOptions = {},
): Promise<string> {
  const artifactPath = joinArtifactPath(options.artifactPath ?? DEFAULT_ARTIFACT_PATH);
  if (artifactPath === "") throw new GyreError("INVALID_PARAMETER_VALUE", "artifactPath must not be empty.");
  const plan = await planModel(source);
  const contents = modelContents(plan, options, run.id, artifactPath);
  const staging = await mkdtemp(join(tmpdir(), "gyre-model-"));
  try {
    const generated = await writeGenerated(staging, plan, contents);
    const replaced = new Set(generated.map((file) => file.path));
    const isManifest = (file: PlannedFile) => file.path === MANIFEST_FILE || file.path === MLMODEL_FILE;
    // Model files first, manifests last: a half-finished upload never looks like a model.
    const order = [
      ...plan.files.filter((file) => !replaced.has(file.path)),
      ...generated.filter((file) => !isManifest(file)),
      ...generated.filter(isManifest),
    ];
    for (const file of order) {
      await run.artifacts.uploadFileAs(file.localPath, joinArtifactPath(artifactPath, file.path));
    }
    await run.client.call(tracking.logModel, {
      run_id: run.id,
      model_json: JSON.stringify(contents.mlmodel),
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return runsUri(run.id, artifactPath);
}

interface ModelContents {
  /** gyre-model.json. */
  readonly manifest: Record<string, unknown>;
  /** MLmodel, and the model_json of runs/log-model. */
  readonly mlmodel: Record<string, unknown>;
  /** The input example as MLflow's input_example.json, when it is a DataFrame MLflow loads. */
  readonly mlflowExample?: unknown;
}

/** The source's declarations with the options applied, checked against the manifest schema. */
function modelContents(
  plan: ModelPlan,
  options: LogModelOptions,
  runId: string,
  artifactPath: string,
): ModelContents {
  const signature = options.signature ?? plan.signature;
  const inputExample = options.inputExample === undefined ? plan.inputExample : options.inputExample;
  const metadata = { ...plan.metadata, ...options.metadata };
  const hasMetadata = Object.keys(metadata).length > 0;
  const manifest = {
    format: "onnx",
    model_file: plan.modelFile,
    ...(signature ? { signature: signatureToJson(signature) } : {}),
    ...(inputExample === undefined ? {} : { input_example: inputExample }),
    ...(hasMetadata ? { metadata } : {}),
  };
  const checked = manifestSchema.safeParse(manifest);
  if (!checked.success) {
    throw new GyreError("INVALID_PARAMETER_VALUE", `Invalid model: ${describeIssues(checked.error.issues)}`);
  }
  // An MLflow source keeps its own example file unless the options replace the example.
  const keepBaseExample = plan.mlmodel !== undefined && options.inputExample === undefined;
  const mlflowExample = !keepBaseExample && isSplitDataFrame(inputExample) ? inputExample : undefined;
  const mlmodel = mlmodelDocument({
    runId,
    artifactPath,
    modelFile: plan.modelFile,
    ...(checked.data.signature ? { signature: checked.data.signature } : {}),
    ...(mlflowExample === undefined ? {} : { inputExampleFile: INPUT_EXAMPLE_FILE }),
    keepBaseExample,
    ...(hasMetadata ? { metadata } : {}),
    ...(plan.mlmodel ? { base: plan.mlmodel } : {}),
    createdAt: new Date(),
  });
  return { manifest, mlmodel, ...(mlflowExample === undefined ? {} : { mlflowExample }) };
}

/** Writes the files logModel makes (the ONNX bytes of a bytes source, example, manifests) into `dir`. */
async function writeGenerated(dir: string, plan: ModelPlan, contents: ModelContents): Promise<PlannedFile[]> {
  const files: [string, string | Uint8Array][] = [];
  if (plan.bytes) files.push([plan.modelFile, plan.bytes]);
  if (contents.mlflowExample !== undefined) files.push([INPUT_EXAMPLE_FILE, json(contents.mlflowExample)]);
  files.push([MANIFEST_FILE, json(contents.manifest)]);
  // JSON is YAML, so MLflow's loader reads this MLmodel as it reads its own.
  files.push([MLMODEL_FILE, json(contents.mlmodel)]);
  const written: PlannedFile[] = [];
  for (const [path, data] of files) {
    const localPath = join(dir, path);
    await mkdir(dirname(localPath), { recursive: true });
    await writeFile(localPath, data);
    written.push({ localPath, path });
  }
  return written;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
