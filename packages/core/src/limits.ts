import { invalidParameter } from "./errors.js";

/** MLflow's validation limits (mlflow/utils/validation.py, 3.x values), enforced by every writer. */
export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentTagValueLength: 5000,
  experimentNameLength: 500,
  artifactLocationLength: 2048,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65_535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  searchMaxResults: 50_000,
  registryTagValueLength: 100_000,
  modelAliasLength: 255,
} as const;

export type EntityKind = "metric" | "param" | "tag";

const KEY_CHARS = /^[\w\-. /:]+$/;

/** Keys may become file paths in some stores, so they must not normalise to another name. */
function normalisedPath(key: string): string {
  const parts: string[] = [];
  for (const part of key.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

export function validateKey(kind: EntityKind, key: string): void {
  if (!KEY_CHARS.test(key)) {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), slashes (/) and colons (:).`,
    );
  }
  const normalised = normalisedPath(key);
  if (normalised !== key) {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normalised}'.`,
    );
  }
  validateLength(`${capitalise(kind)} key`, key, LIMITS.keyLength);
}

export function validateLength(what: string, value: string, limit: number): void {
  if (value.length > limit) {
    const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
    throw invalidParameter(
      `${what} '${shown}' had length ${value.length}, which exceeded length limit of ${limit}.`,
    );
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
