import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Graph } from "@gyre/onnx";
import {
  Deployment,
  type DeploymentOptions,
  type DeploymentSpecInput,
  type ModelVersionSource,
  writeModelDir,
} from "../../src/index.js";
import { LOGREG_WEIGHTS, logregGraph, onnx, sigmoid } from "./models.js";

/**
 * "Versions" of the 20-feature logistic regression that differ only in their bias, so every
 * answer tells which version gave it: version v has bias v − 1 (version 1 is the fixture model
 * with bias 0.25 replaced by 0). A zero row's probability is then sigmoid(v − 1).
 */
export function biasOf(version: string): number {
  return Number(version) - 1;
}

export function versionGraph(version: string): Graph {
  const graph = logregGraph();
  return {
    ...graph,
    initializers: [
      graph.initializers![0]!,
      { name: "b", dataType: "float", dims: [1], floatData: [biasOf(version)] },
    ],
  };
}

/** The probability version `version` gives a row (float64 maths; float32 answers are within 1e-6). */
export function expectedProbability(version: string, row: readonly number[]): number {
  return sigmoid(row.reduce((sum, x, i) => sum + x * LOGREG_WEIGHTS[i]!, biasOf(version)));
}

/** Which version answered a zero row, from its probability. */
export function versionOfZeroRowAnswer(probability: number, versions: readonly string[]): string | undefined {
  return versions.find((v) => Math.abs(expectedProbability(v, new Array(20).fill(0)) - probability) < 1e-6);
}

/**
 * Model directories on demand, one per version, in a temp dir. Versions named in `broken` get an
 * ONNX file that is not ONNX (their load fails); `narrow` ones take 3 features instead of 20.
 */
export class VersionDirs implements ModelVersionSource {
  readonly fetched: string[] = [];
  readonly broken = new Set<string>();
  readonly narrow = new Set<string>();

  private constructor(readonly root: string) {}

  static async create(): Promise<VersionDirs> {
    return new VersionDirs(await mkdtemp(path.join(tmpdir(), "gyre-versions-")));
  }

  async modelDir(version: string): Promise<string> {
    this.fetched.push(version);
    const dir = path.join(this.root, `v${version}`);
    if (this.broken.has(version)) {
      await mkdir(dir, { recursive: true });
      await writeModelDir(dir, { onnxBytes: new TextEncoder().encode("not an onnx model") });
      return dir;
    }
    if (this.narrow.has(version)) {
      const graph = versionGraph(version);
      await writeModelDir(dir, {
        onnxBytes: onnx({
          ...graph,
          initializers: [
            { name: "W", dataType: "float", dims: [3, 1], floatData: [1, 1, 1] },
            graph.initializers![1]!,
          ],
          inputs: [{ name: "input", elemType: "float", shape: ["N", 3] }],
        }),
      });
      return dir;
    }
    await writeModelDir(dir, { onnxBytes: onnx(versionGraph(version)) });
    return dir;
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export async function deploy(
  source: ModelVersionSource,
  spec: DeploymentSpecInput,
  options: Partial<DeploymentOptions> = {},
): Promise<Deployment> {
  return Deployment.create({ name: "churn", source, ...options }, spec);
}

/** A V2 inference body with one row. */
export function v2Body(row: readonly number[] = new Array(20).fill(0)): string {
  return JSON.stringify({ inputs: [{ name: "input", shape: [1, 20], datatype: "FP32", data: row }] });
}

export async function writeText(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/**
 * Registers version `version` of the logistic model on a running server, as a client would: the
 * files uploaded through the artifact proxy, then `model-versions/create` (the registered model
 * must exist).
 */
export async function registerVersionOn(url: string, model: string, version: string): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "gyre-version-"));
  try {
    await writeModelDir(dir, { onnxBytes: onnx(versionGraph(version)) });
    for (const file of await readdir(dir)) {
      const put = await fetch(
        `${url}/api/2.0/mlflow-artifacts/artifacts/models/${model}/v${version}/${file}`,
        {
          method: "PUT",
          body: await readFile(path.join(dir, file)),
        },
      );
      if (!put.ok) throw new Error(`upload ${file}: ${put.status}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const created = await fetch(`${url}/api/2.0/mlflow/model-versions/create`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: model, source: `mlflow-artifacts:/models/${model}/v${version}` }),
  });
  if (!created.ok) throw new Error(`model-versions/create: ${created.status} ${await created.text()}`);
}
