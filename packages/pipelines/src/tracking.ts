import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS, parseDatasetRef } from "@gyre/core";
import { datasetOf, type Gyre, type PipelinesClient, type Run } from "@gyre/sdk";
import type { DigestResolver } from "./cache-key.js";
import type { StepDef } from "./definition.js";
import { inputKind } from "./inputs.js";
import { valueText } from "./kinds.js";

/** Tags Gyre puts on pipeline and step runs (searchable like any MLflow tag). */
export const TAGS = {
  pipeline: "gyre.pipeline",
  pipelineRunId: "gyre.pipeline.run_id",
  executor: "gyre.pipeline.executor",
  step: "gyre.step",
  stepType: "gyre.step.type",
  cacheKey: "gyre.step.cache_key",
  cached: "gyre.step.cached",
  cachedFrom: "gyre.step.cached_from",
  attempts: "gyre.step.attempts",
  error: "gyre.step.error",
  outputPrefix: "gyre.output.",
} as const;

/** `datasets:/name/3` → `name@3`, the reference the datasets API takes. */
export function datasetRefOf(uri: string): string {
  const match = /^datasets:\/([^/]+)\/(\d+)$/.exec(uri);
  return match ? `${match[1]}@${match[2]}` : uri;
}

/** Cache-key identities through the tracking server: dataset digests and resolved model versions. */
export function serverDigests(gyre: Gyre): DigestResolver {
  return {
    dataset: async (uri) => (await gyre.getDataset(datasetRefOf(uri))).digest,
    model: async (uri) => {
      const resolved = await gyre.resolveModel(uri);
      return `${resolved.name}/${resolved.version}`;
    },
  };
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/** A step's inputs as MLflow params (`input.<name>`), long values clipped to MLflow's limit. */
export function inputParams(inputs: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [
      `input.${k}`,
      clip(valueText(v ?? null), LIMITS.paramValueLength),
    ]),
  );
}

/** A step's outputs as tags (`gyre.output.<name>`): model versions out, dataset versions, values. */
export function outputTags(outputs: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [
      `${TAGS.outputPrefix}${k}`,
      clip(valueText(v ?? null), LIMITS.runTagValueLength),
    ]),
  );
}

/** Lineage in: every dataset-version input logged with run.logInput (MLflow's dataset inputs). */
export async function logDatasetInputs(
  gyre: Gyre,
  run: Run,
  step: StepDef,
  inputs: Readonly<Record<string, unknown>>,
): Promise<void> {
  for (const [name, value] of Object.entries(inputs)) {
    if (typeof value !== "string" || inputKind(step, name, value) !== "dataset") continue;
    const ref = datasetRefOf(value);
    if (!parseDatasetRef(ref)) continue;
    const dataset = datasetOf((await gyre.getDataset(ref)).info);
    await run.logInput(dataset, { context: "input", tags: { "gyre.input": name } });
  }
}

/** The step's whole log, from the server, stored as the step run's artifact `logs/<step>.log`. */
export async function uploadStepLog(
  store: PipelinesClient,
  run: Run,
  pipelineRunId: string,
  step: string,
): Promise<void> {
  const lines: string[] = [];
  let after = 0;
  for (;;) {
    const page = await store.getLogs(pipelineRunId, { step, after, maxResults: 10_000 });
    for (const line of page) lines.push(line.text);
    if (page.length < 10_000) break;
    after = page[page.length - 1]?.seq ?? after;
  }
  if (lines.length === 0) return;
  const dir = await mkdtemp(join(tmpdir(), "gyre-log-"));
  try {
    const file = join(dir, `${step}.log`);
    await writeFile(file, `${lines.join("\n")}\n`);
    await run.logArtifact(file, "logs");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
