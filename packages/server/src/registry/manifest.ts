import { GyreError, invalidParameter } from "@gyre/core";
import { parse as parseYaml } from "yaml";
import type { ArtifactService } from "../artifacts/service.js";
import { type ArtifactStore, safeArtifactPath } from "../artifacts/store.js";

/** What a version records from its model's manifest. JSON values are kept as JSON text. */
export interface ModelManifest {
  format?: string;
  signature?: string;
  inputExample?: string;
}

/** Gyre's own manifest (JSON: format, signature, input_example), preferred when both exist. */
export const GYRE_MANIFEST = "gyre-model.json";
/** MLflow's manifest (YAML: flavors, signature with JSON-text inputs/outputs, saved_input_example_info). */
export const MLFLOW_MANIFEST = "MLmodel";

const MANIFEST_LIMIT = 1024 * 1024;
/** Input examples are stored with every version and returned by every read: keep them small. */
const INPUT_EXAMPLE_LIMIT = 64 * 1024;

/** URIs whose bytes this server can read itself: proxied, file: and plain local paths. */
function isReadable(uri: string): boolean {
  const scheme = /^([a-zA-Z][\w+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === "file" || scheme === "mlflow-artifacts";
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}

/** A small file's text; undefined when there is no such file or it exceeds the limit. */
async function readSmall(store: ArtifactStore, path: string, limit: number): Promise<string | undefined> {
  let opened: Awaited<ReturnType<ArtifactStore["read"]>>;
  try {
    opened = await store.read(path);
  } catch (error) {
    if (error instanceof GyreError && error.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
    throw error;
  }
  if (opened.size > limit) {
    opened.stream.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A manifest value as JSON text: strings are taken to be JSON text already. */
function jsonText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** JSON text that MLflow stores inside YAML, parsed when it is JSON, kept as text otherwise. */
function parseEmbedded(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function badManifest(uri: string, file: string, reason: string): GyreError {
  return invalidParameter(`Invalid model manifest '${file}' in '${uri}': ${reason}`);
}

/**
 * Reads the manifest of the model directory at `uri`, when this server holds its files:
 * `gyre-model.json`, else MLflow's `MLmodel`. A missing manifest (or a source elsewhere) gives {};
 * a manifest that does not parse is a 400, since serving would fail on it later.
 */
export async function readModelManifest(artifacts: ArtifactService, uri: string): Promise<ModelManifest> {
  if (!isReadable(uri)) return {};
  let located: { store: ArtifactStore; base: string };
  try {
    located = artifacts.locate(uri);
  } catch {
    return {};
  }
  const { store, base } = located;

  const gyre = await readSmall(store, join(base, GYRE_MANIFEST), MANIFEST_LIMIT);
  if (gyre !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(gyre);
    } catch (error) {
      throw badManifest(uri, GYRE_MANIFEST, (error as Error).message);
    }
    if (!isObject(parsed)) throw badManifest(uri, GYRE_MANIFEST, "it must hold a JSON object");
    if (parsed.format !== undefined && typeof parsed.format !== "string") {
      throw badManifest(uri, GYRE_MANIFEST, "'format' must be a string");
    }
    const inputExample = jsonText(parsed.input_example);
    return {
      format: parsed.format,
      signature: jsonText(parsed.signature),
      inputExample:
        inputExample !== undefined && inputExample.length <= INPUT_EXAMPLE_LIMIT ? inputExample : undefined,
    };
  }

  const mlmodel = await readSmall(store, join(base, MLFLOW_MANIFEST), MANIFEST_LIMIT);
  if (mlmodel === undefined) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(mlmodel);
  } catch (error) {
    throw badManifest(uri, MLFLOW_MANIFEST, (error as Error).message.split("\n")[0] ?? "unparsable YAML");
  }
  if (!isObject(parsed)) throw badManifest(uri, MLFLOW_MANIFEST, "it must hold a YAML mapping");
  const manifest: ModelManifest = {};
  if (isObject(parsed.flavors)) {
    const flavors = Object.keys(parsed.flavors);
    // An onnx flavor is served as is; otherwise the model's native flavor names its format.
    manifest.format = flavors.includes("onnx")
      ? "onnx"
      : (flavors.find((f) => f !== "python_function") ?? flavors[0]);
  }
  if (isObject(parsed.signature)) {
    const signature: Record<string, unknown> = {};
    for (const part of ["inputs", "outputs", "params"]) {
      const value = parsed.signature[part];
      if (value !== undefined && value !== null) signature[part] = parseEmbedded(value);
    }
    manifest.signature = JSON.stringify(signature);
  }
  const example = parsed.saved_input_example_info;
  if (isObject(example) && typeof example.artifact_path === "string") {
    let path: string | undefined;
    try {
      path = safeArtifactPath(example.artifact_path);
    } catch {
      path = undefined; // an example outside the model directory is ignored, never followed
    }
    const text = path ? await readSmall(store, join(base, path), INPUT_EXAMPLE_LIMIT) : undefined;
    if (text !== undefined) {
      try {
        manifest.inputExample = JSON.stringify(JSON.parse(text));
      } catch {
        // Not JSON (MLflow also saves examples as other formats): not recorded.
      }
    }
  }
  return manifest;
}
