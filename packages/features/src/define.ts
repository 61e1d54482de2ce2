import { type FeatureRepositoryInput, features } from "@gyre/core";
import type { Transformation } from "./online/retrieve.js";

type ViewInput = features.FeatureRepositoryInput["feature_views"] extends (infer T)[] | undefined ? T : never;
type OnDemandInput = features.FeatureRepositoryInput["on_demand"] extends (infer T)[] | undefined ? T : never;

/** A feature view as written in TypeScript: `ttl` may be a duration ('7d', '12h') or seconds. */
export type FeatureViewInput = Omit<ViewInput, "ttl_seconds"> & {
  ttl?: number | string;
  ttl_seconds?: number;
};
/** An on-demand transformation with its function. */
export type OnDemandInput2 = OnDemandInput & { transform: Transformation };

export interface RepositoryInput {
  entities?: FeatureRepositoryInput["entities"];
  sources?: FeatureRepositoryInput["sources"];
  feature_views?: FeatureViewInput[];
  on_demand?: (OnDemandInput | OnDemandInput2)[];
  feature_services?: FeatureRepositoryInput["feature_services"];
}

/** What a feature repository module exports: the definitions and the transformations' code. */
export interface FeatureRepositoryModule {
  readonly repository: FeatureRepositoryInput;
  readonly transformations: ReadonlyMap<string, Transformation>;
}

/**
 * Definitions as code: `export default defineRepository({ entities: [...], feature_views: [...] })`
 * in a repository's `features.ts`. The shapes are the JSON ones (validated by `gyre features plan`),
 * plus `ttl` as a duration and `transform` functions on on-demand transformations.
 */
export function defineRepository(input: RepositoryInput): FeatureRepositoryModule {
  const transformations = new Map<string, Transformation>();
  const onDemand = (input.on_demand ?? []).map((o) => {
    const { transform, ...definition } = o as OnDemandInput2;
    if (typeof transform === "function" && typeof definition.name === "string") {
      transformations.set(definition.name, transform);
    }
    return definition;
  });
  return {
    repository: {
      ...input,
      feature_views: (input.feature_views ?? []).map(normalizeTtl),
      on_demand: onDemand,
    } as FeatureRepositoryInput,
    transformations,
  };
}

/** `ttl: '7d'` → `ttl_seconds: 604800`; a malformed ttl is left for validation to name. */
export function normalizeTtl(view: FeatureViewInput): ViewInput {
  if (view.ttl === undefined) return view as ViewInput;
  const { ttl, ...rest } = view;
  const seconds = typeof ttl === "string" || typeof ttl === "number" ? features.ttlSeconds(ttl) : undefined;
  return { ...rest, ttl_seconds: seconds ?? (ttl as unknown as number) } as ViewInput;
}
