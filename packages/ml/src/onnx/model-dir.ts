/**
 * `toModelDir`: a fitted pipeline (or model) as a Gyre model directory the serving package loads:
 * model.onnx, gyre-model.json (format, model file, signature, input example, metadata; the schema of
 * serving/src/model/manifest.ts) and pipeline.json, the TypeScript pipeline itself, so the same
 * directory can be reloaded for training-side use with `FittedPipeline.fromJSON`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { encodeModel } from "@gyre/onnx";
import type { Frame } from "../frame/frame.js";
import type { FittedModel } from "../pipeline/model.js";
import { FittedPipeline } from "../pipeline/pipeline.js";
import { buildOnnxExport, type ExportOnnxOptions } from "./export.js";
import { inputExampleOf, type SplitOrientExample } from "./input-convention.js";
import { type SignatureJson, signatureOf } from "./signature.js";

/** serving/src/model/manifest.ts MANIFEST_FILE. */
export const MODEL_MANIFEST_FILE = "gyre-model.json";
export const MODEL_ONNX_FILE = "model.onnx";
export const PIPELINE_JSON_FILE = "pipeline.json";

export interface ToModelDirOptions extends ExportOnnxOptions {
  /** Rows written as the input example; also the default `inputs` (its columns become the signature). */
  readonly inputExample?: Frame;
  /** Rows of `inputExample` to keep (default 5). */
  readonly exampleRows?: number;
  /** Extra manifest metadata. */
  readonly manifestMetadata?: Readonly<Record<string, unknown>>;
}

export interface GyreModelManifest {
  readonly format: "onnx";
  readonly model_file: string;
  readonly signature: SignatureJson;
  readonly input_example?: SplitOrientExample;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface WrittenModelDir {
  readonly dir: string;
  readonly modelFile: string;
  readonly manifest: GyreModelManifest;
}

export async function toModelDir(
  fitted: FittedPipeline | FittedModel,
  dir: string,
  options: ToModelDirOptions = {},
): Promise<WrittenModelDir> {
  const inputs = options.inputs ?? options.inputExample;
  const exported = buildOnnxExport(fitted, { ...options, ...(inputs ? { inputs } : {}) });
  const signature = signatureOf(exported);
  const example = options.inputExample
    ? inputExampleOf(
        options.inputExample,
        options.exampleRows ?? 5,
        signature.inputs.map((c) => c.name),
      )
    : undefined;
  const manifest: GyreModelManifest = {
    format: "onnx",
    model_file: MODEL_ONNX_FILE,
    signature,
    ...(example ? { input_example: example } : {}),
    metadata: {
      library: "@gyre/ml",
      task: exported.task,
      model_kind: fitted instanceof FittedPipeline ? fitted.model.kind : fitted.kind,
      ...(exported.classes ? { classes: exported.classes } : {}),
      missing_strings: exported.missingStrings,
      pipeline_file: PIPELINE_JSON_FILE,
      ...options.manifestMetadata,
    },
  };
  await mkdir(dir, { recursive: true });
  const modelFile = path.join(dir, MODEL_ONNX_FILE);
  await writeFile(modelFile, encodeModel(exported.model));
  await writeFile(path.join(dir, MODEL_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(path.join(dir, PIPELINE_JSON_FILE), `${JSON.stringify(fitted.toJSON())}\n`);
  return { dir, modelFile, manifest };
}
