import type { IncomingHttpHeaders } from "node:http";
import type { Predictor } from "./runtime/predictor.js";

/**
 * A deployment's roles: the arm with the largest weight is "primary", the other weighted arms
 * are "canary", and mirrored versions are "shadow". Labels metrics and prediction-log entries.
 */
export type DeploymentArm = "primary" | "canary" | "shadow";

/** A model as the protocols see it: a name, an optional version, and what predicts. */
export interface ServedModel {
  readonly name: string;
  /** Reported as `model_version` (V2) and listed in `versions`; absent for unversioned models. */
  readonly version?: string;
  /** The deployment arm this model answers for; absent outside deployments. */
  readonly arm?: DeploymentArm;
  readonly predictor: Predictor;
}

/** What a resolver may route on: the request id, and headers (a sticky routing key, for instance). */
export interface RequestContext {
  readonly requestId: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The serving routes' only view of what is served. `resolve` runs on every request and must be
 * cheap and synchronous; a deployment with weighted arms returns the arm chosen for this request
 * (and can mirror to shadows inside its `Predictor`), and a hot swap is `resolve` starting to
 * return the new model while the old one drains.
 */
export interface ModelRegistryView {
  /** The model behind a name (and version, when the path has one); undefined when unknown (404). */
  resolve(name: string, version: string | undefined, context: RequestContext): ServedModel | undefined;
  /** Every served model: server readiness, and the `versions` of V2 model metadata. */
  list(): readonly ServedModel[];
  /** The model behind MLflow's bare /invocations and /ping (one model per process), if any. */
  defaultModel(context: RequestContext): ServedModel | undefined;
}

/** A fixed set of models, e.g. `gyre serve` of one model directory, and the tests. */
export class StaticModelRegistry implements ModelRegistryView {
  private readonly models: readonly ServedModel[];
  private readonly defaultName: string | undefined;
  /** Looked up on every request: name → latest version, and "name\0version" → model. */
  private readonly latest = new Map<string, ServedModel>();
  private readonly byVersion = new Map<string, ServedModel>();

  constructor(models: readonly ServedModel[], options: { defaultModel?: string } = {}) {
    this.models = [...models];
    this.defaultName = options.defaultModel ?? (models.length === 1 ? models[0]!.name : undefined);
    for (const m of models) {
      const best = this.latest.get(m.name);
      // Without a version, the highest one (numerically when versions are numbers).
      if (!best || compareVersions(m.version, best.version) > 0) this.latest.set(m.name, m);
      if (m.version !== undefined) this.byVersion.set(`${m.name}\0${m.version}`, m);
    }
  }

  resolve(name: string, version: string | undefined): ServedModel | undefined {
    return version === undefined ? this.latest.get(name) : this.byVersion.get(`${name}\0${version}`);
  }

  list(): readonly ServedModel[] {
    return this.models;
  }

  defaultModel(): ServedModel | undefined {
    return this.defaultName === undefined ? undefined : this.resolve(this.defaultName, undefined);
  }
}

function compareVersions(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}
