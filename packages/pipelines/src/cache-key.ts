import { createHash } from "node:crypto";
import type { StepDef } from "./definition.js";
import { inputKind } from "./inputs.js";

/** Resolves what a URI names to a stable identity: a dataset's content digest, a model's version. */
export interface DigestResolver {
  dataset(uri: string): Promise<string>;
  model(uri: string): Promise<string>;
}

const KEY_FORMAT = 1;

/**
 * The content key of a step execution: a SHA-256 over the step's code (function source or
 * command), its `version`, and a digest per input — a dataset's content digest, a model URI's
 * resolved version (so `@champion` moving changes the key), any other value's canonical JSON.
 */
export async function stepCacheKey(
  pipeline: string,
  step: StepDef,
  inputs: Readonly<Record<string, unknown>>,
  resolver: DigestResolver,
): Promise<string> {
  const digests: [string, string][] = [];
  for (const name of Object.keys(inputs).sort()) {
    digests.push([name, await inputDigest(inputKind(step, name, inputs[name]), inputs[name], resolver)]);
  }
  const material = canonicalJson({
    format: KEY_FORMAT,
    pipeline,
    step: step.name,
    type: step.type,
    code: step.code,
    version: step.version ?? null,
    outputs: step.outputs,
    inputs: digests,
  });
  return createHash("sha256").update(material).digest("hex");
}

async function inputDigest(kind: string, value: unknown, resolver: DigestResolver): Promise<string> {
  if (kind === "dataset" && typeof value === "string") return `dataset:${await resolver.dataset(value)}`;
  if (kind === "model" && typeof value === "string") return `model:${await resolver.model(value)}`;
  return `value:${createHash("sha256")
    .update(canonicalJson(value ?? null))
    .digest("hex")}`;
}

/** JSON with object keys sorted, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
