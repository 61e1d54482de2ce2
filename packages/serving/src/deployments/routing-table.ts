import type { IncomingHttpHeaders } from "node:http";
import type { DeploymentArm, ServedModel } from "../registry-view.js";
import type { Predictor } from "../runtime/predictor.js";
import { routeKeyPoint } from "./route-key.js";
import type { DeploymentSpec } from "./spec.js";

export interface ShadowRoute {
  readonly served: ServedModel;
  /** Share of requests mirrored, in [0, 1]. */
  readonly fraction: number;
}

/**
 * One configuration of a deployment, immutable once built: a request reads the table that is
 * current when it arrives, and a change is a new table swapped in whole — so no request ever
 * sees half a change.
 */
export class RoutingTable {
  readonly arms: readonly ServedModel[];
  readonly shadows: readonly ShadowRoute[];
  /** Arms then shadows: what the deployment lists and reports ready. */
  readonly all: readonly ServedModel[];
  /** Cumulative shares of the arms; a point u in [0, 1) goes to the first arm whose bound exceeds it. */
  private readonly bounds: Float64Array;
  private readonly byVersion: ReadonlyMap<string, ServedModel>;

  constructor(
    readonly name: string,
    readonly spec: DeploymentSpec,
    predictors: ReadonlyMap<string, Predictor>,
    versioned: boolean,
  ) {
    const primary = primaryArm(spec);
    const served = (version: string, arm: DeploymentArm): ServedModel => ({
      name,
      ...(versioned ? { version } : {}),
      arm,
      predictor: predictors.get(version)!,
    });
    this.arms = spec.arms.map((a, i) => served(a.version, i === primary ? "primary" : "canary"));
    this.shadows = spec.shadows.map((s) => ({
      served: served(s.version, "shadow"),
      fraction: s.percent / 100,
    }));
    this.all = [...this.arms, ...this.shadows.map((s) => s.served)];
    this.byVersion = new Map(
      versioned ? [...spec.arms, ...spec.shadows].map((a, i) => [a.version, this.all[i]!]) : [],
    );

    const total = spec.arms.reduce((sum, a) => sum + a.weight, 0);
    this.bounds = new Float64Array(spec.arms.length);
    let cumulative = 0;
    const last = spec.arms.findLastIndex((a) => a.weight > 0);
    spec.arms.forEach((a, i) => {
      cumulative += a.weight / total;
      // Rounding must not leave a sliver of [0, 1) past the last bound.
      this.bounds[i] = i >= last ? 1 : cumulative;
    });
  }

  /** The model answering for a version path; undefined for versions this deployment does not hold. */
  version(version: string): ServedModel | undefined {
    return this.byVersion.get(version);
  }

  /** The arm for a request: by the hash of its sticky key when it carries one, else at random. */
  pick(headers: IncomingHttpHeaders, random: () => number): ServedModel {
    if (this.arms.length === 1) return this.arms[0]!;
    const header = this.spec.stickyHeader;
    const raw = header === undefined ? undefined : headers[header];
    const key = Array.isArray(raw) ? raw[0] : raw;
    const u = key ? routeKeyPoint(this.name, key) : random();
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) if (u < bounds[i]!) return this.arms[i]!;
    return this.arms[this.arms.length - 1]!;
  }

  /** The shadows this request is mirrored to (each drawn independently); undefined for none. */
  mirrorsFor(random: () => number): ShadowRoute[] | undefined {
    let chosen: ShadowRoute[] | undefined;
    for (const shadow of this.shadows) {
      if (!(shadow.fraction > 0 && random() < shadow.fraction)) continue;
      if (chosen) chosen.push(shadow);
      else chosen = [shadow];
    }
    return chosen;
  }
}

/** The arm with the largest weight (the first on a tie) is the primary; the others are canaries. */
export function primaryArm(spec: DeploymentSpec): number {
  let best = 0;
  spec.arms.forEach((a, i) => {
    if (a.weight > spec.arms[best]!.weight) best = i;
  });
  return best;
}
