import { type deployments, GyreError, invalidParameter } from "@gyre/core";
import { type ModelUriResolver, parseModelUri } from "../registry/model-uri.js";

type Target = {
  model_uri?: string | undefined;
  model_name?: string | undefined;
  version?: string | number | undefined;
};

/** One version a deployment serves right now, with what the spec called it. */
export interface ResolvedTarget {
  /** As written in the spec (`models:/churn@champion`), or `models:/name/version`. */
  readonly uri: string;
  readonly version: string;
  /** Where the version's files are (the registry's storage location). */
  readonly location: string;
}

/**
 * A spec with every URI resolved to the version it names now: what the serving engine loads.
 * Re-resolving the same spec later gives a different result exactly when an alias has moved.
 */
export interface ResolvedSpec {
  readonly modelName: string;
  readonly arms: readonly (ResolvedTarget & { readonly weight: number })[];
  readonly shadows: readonly (ResolvedTarget & { readonly percent: number })[];
  readonly stickyHeader: string | undefined;
}

/** The URI a target names: its model_uri, or models:/name/version. */
export function targetUri(target: Target): string {
  return target.model_uri ?? `models:/${target.model_name}/${target.version}`;
}

/**
 * The version a target names for good (`models:/churn/3`, or a name and version); undefined for an
 * alias, `latest` or a stage. Only for targets resolveSpec has accepted (their URIs parse).
 */
function fixedVersion(target: Target): string | undefined {
  if (target.model_uri === undefined)
    return target.version === undefined ? undefined : String(target.version);
  const uri = parseModelUri(target.model_uri);
  return uri.kind === "version" ? uri.version : undefined;
}

/**
 * Refuses a shadow naming, by number, a version an arm also names by number: that version answers
 * for real and would never be mirrored. Call it after resolveSpec, which names a bad URI's field. (When aliases make the two meet, e.g. right after a
 * promotion, resolveSpec simply leaves the shadow out until they part again.)
 */
export function refuseShadowedArms(spec: deployments.DeploymentSpec, fieldPrefix = ""): void {
  for (const [i, shadow] of spec.shadows.entries()) {
    const version = fixedVersion(shadow);
    const arm = version === undefined ? -1 : spec.arms.findIndex((a) => fixedVersion(a) === version);
    if (arm < 0) continue;
    const field = shadow.model_uri === undefined ? `shadows.${i}.version` : `shadows.${i}.model_uri`;
    throw invalidParameter(
      `Invalid value '${targetUri(shadow)}' for parameter '${fieldPrefix}${field}': version ${version} is also arm ${fieldPrefix}arms.${arm}, which answers for real; a shadow must be a version no arm serves.`,
    );
  }
}

/**
 * Resolves every arm and shadow through the registry. Errors are 400s naming the field
 * (`<prefix>arms.1.model_uri`), including an unknown model: a deployment spec is the client's
 * input, so a missing model is a bad request rather than a missing resource.
 */
export async function resolveSpec(
  uris: ModelUriResolver,
  spec: deployments.DeploymentSpec,
  fieldPrefix = "",
): Promise<ResolvedSpec> {
  let modelName: string | undefined;
  const resolveOne = async (target: Target, field: string): Promise<ResolvedTarget> => {
    const uri = targetUri(target);
    let row: Awaited<ReturnType<ModelUriResolver["resolveVersion"]>>;
    try {
      row = await uris.resolveVersion(uri);
    } catch (error) {
      if (!(error instanceof GyreError) || error.status >= 500) throw error;
      throw invalidParameter(
        `Invalid value '${uri}' for parameter '${fieldPrefix}${field}': ${error.message}`,
      );
    }
    // One endpoint, one model: versions are the routing keys, and V2 reports one model_version.
    modelName ??= row.name;
    if (row.name !== modelName) {
      throw invalidParameter(
        `Invalid value '${uri}' for parameter '${fieldPrefix}${field}': every arm and shadow of a deployment must be a version of one registered model ('${modelName}'), got '${row.name}'.`,
      );
    }
    return { uri, version: String(row.version), location: row.storage_location };
  };

  const arms: (ResolvedTarget & { weight: number })[] = [];
  for (const [i, arm] of spec.arms.entries()) {
    const field = arm.model_uri === undefined ? `arms.${i}.model_name` : `arms.${i}.model_uri`;
    const resolved = await resolveOne(arm, field);
    // Two arms on one version (an alias moved onto a canary's version): one arm, weights added.
    const same = arms.findIndex((a) => a.version === resolved.version);
    if (same >= 0) arms[same] = { ...arms[same]!, weight: arms[same]!.weight + arm.weight };
    else arms.push({ ...resolved, weight: arm.weight });
  }
  const shadows: (ResolvedTarget & { percent: number })[] = [];
  for (const [i, shadow] of spec.shadows.entries()) {
    const field = shadow.model_uri === undefined ? `shadows.${i}.model_name` : `shadows.${i}.model_uri`;
    const resolved = await resolveOne(shadow, field);
    // A shadow that is also an arm already answers for real; mirroring it to itself proves nothing.
    if (arms.some((a) => a.version === resolved.version)) continue;
    const same = shadows.findIndex((s) => s.version === resolved.version);
    if (same >= 0)
      shadows[same] = { ...shadows[same]!, percent: Math.max(shadows[same]!.percent, shadow.percent) };
    else shadows.push({ ...resolved, percent: shadow.percent });
  }
  return { modelName: modelName!, arms, shadows, stickyHeader: spec.sticky_header };
}

/** Whether two resolutions serve the same thing (same versions, weights, shadows, sticky header). */
export function sameServing(a: ResolvedSpec, b: ResolvedSpec): boolean {
  const key = (s: ResolvedSpec) =>
    JSON.stringify([
      s.arms.map((x) => [x.version, x.weight]),
      s.shadows.map((x) => [x.version, x.percent]),
      s.stickyHeader ?? null,
    ]);
  return key(a) === key(b);
}
