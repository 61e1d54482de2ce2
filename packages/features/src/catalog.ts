import {
  type EntityDef,
  type FeatureRepository,
  type FeatureViewDef,
  type features,
  invalidParameter,
  type OnDemandDef,
  type SourceDef,
} from "@gyre/core";

type FieldDef = features.FieldDef;
type JoinKey = features.JoinKey;

/** A feature view with its join keys (its entities' keys, in order) worked out once. */
export interface ResolvedView {
  readonly def: FeatureViewDef;
  readonly source: SourceDef;
  readonly keys: readonly JoinKey[];
  readonly features: ReadonlyMap<string, FieldDef>;
}

/** One requested feature: where it comes from and the name it is returned under. */
export interface SelectedFeature {
  readonly view: string;
  readonly field: FieldDef;
  readonly output: string;
}

/** What a request for a feature service or list of refs needs, resolved against the catalog. */
export interface FeatureSelection {
  /** Views read, each with the features read from it (requested ones and transformation inputs). */
  readonly views: readonly { view: ResolvedView; features: readonly FieldDef[] }[];
  /** Transformations to run, in request order. */
  readonly onDemand: readonly OnDemandDef[];
  /** The output columns, in request order (view features and transformation outputs). */
  readonly outputs: readonly SelectedFeature[];
  /** Every join key the views need, by name (the first declaration's type). */
  readonly keys: ReadonlyMap<string, JoinKey>;
  /** Request fields the transformations read, by name. */
  readonly requestFields: ReadonlyMap<string, FieldDef>;
}

/**
 * A repository checked as a whole: every reference resolves, names are unique per kind, and no
 * view has two join keys or features of one name. Errors name the object and the field.
 */
export class FeatureCatalog {
  readonly entities = new Map<string, EntityDef>();
  readonly sources = new Map<string, SourceDef>();
  readonly views = new Map<string, ResolvedView>();
  readonly onDemand = new Map<string, OnDemandDef>();
  readonly services = new Map<string, features.FeatureServiceDef>();

  constructor(readonly repository: FeatureRepository) {
    for (const e of repository.entities) {
      unique(this.entities, e, "entity");
      const seen = new Set<string>();
      for (const [i, k] of e.join_keys.entries()) {
        if (seen.has(k.name))
          fail(`entity '${e.name}': field 'join_keys.${i}': join key '${k.name}' is listed twice`);
        seen.add(k.name);
      }
    }
    for (const s of repository.sources) unique(this.sources, s, "source");
    for (const v of repository.feature_views) {
      if (this.views.has(v.name)) fail(`feature view '${v.name}' is defined twice`);
      this.views.set(v.name, this.resolveView(v));
    }
    for (const o of repository.on_demand) {
      if (this.views.has(o.name) || this.onDemand.has(o.name)) {
        fail(
          `on-demand transformation '${o.name}': its name is already taken by a feature view or transformation`,
        );
      }
      this.checkOnDemand(o);
      this.onDemand.set(o.name, o);
    }
    for (const s of repository.feature_services) {
      unique(this.services, s, "feature service");
      this.select(s.features, false, `feature service '${s.name}': `);
    }
  }

  private resolveView(v: FeatureViewDef): ResolvedView {
    const where = `feature view '${v.name}'`;
    const source = this.sources.get(v.source);
    if (!source) fail(`${where}: field 'source': no source named '${v.source}'`);
    const keys: JoinKey[] = [];
    for (const [i, name] of v.entities.entries()) {
      const entity = this.entities.get(name);
      if (!entity) fail(`${where}: field 'entities.${i}': no entity named '${name}'`);
      for (const key of entity.join_keys) {
        if (keys.some((k) => k.name === key.name)) {
          fail(`${where}: field 'entities.${i}': join key '${key.name}' comes from two entities`);
        }
        keys.push(key);
      }
    }
    const fields = new Map<string, FieldDef>();
    for (const [i, f] of v.features.entries()) {
      if (fields.has(f.name)) fail(`${where}: field 'features.${i}': feature '${f.name}' is listed twice`);
      if (keys.some((k) => k.name === f.name)) {
        fail(`${where}: field 'features.${i}': '${f.name}' is a join key, not a feature`);
      }
      fields.set(f.name, f);
    }
    if (v.created_timestamp_column !== undefined && v.created_timestamp_column === v.event_timestamp_column) {
      fail(`${where}: field 'created_timestamp_column': it must differ from event_timestamp_column`);
    }
    return { def: v, source, keys, features: fields };
  }

  private checkOnDemand(o: OnDemandDef): void {
    const where = `on-demand transformation '${o.name}'`;
    for (const [i, ref] of o.inputs.entries()) {
      const [view, feature] = ref.split(":") as [string, string];
      const resolved = this.views.get(view);
      if (!resolved) fail(`${where}: field 'inputs.${i}': no feature view named '${view}'`);
      if (feature !== "*" && !resolved.features.has(feature)) {
        fail(`${where}: field 'inputs.${i}': feature view '${view}' has no feature '${feature}'`);
      }
    }
    const names = new Set<string>();
    for (const [field, list] of [
      ["request", o.request],
      ["outputs", o.outputs],
    ] as const) {
      for (const [i, f] of list.entries()) {
        if (names.has(f.name)) fail(`${where}: field '${field}.${i}': '${f.name}' is listed twice`);
        names.add(f.name);
      }
    }
  }

  /** The views and transformations behind a feature service. */
  selectService(name: string, fullNames: boolean): FeatureSelection {
    const service = this.services.get(name);
    if (!service) throw invalidParameter(`Unknown feature service '${name}' (field 'feature_service').`);
    return this.select(service.features, fullNames, `feature service '${name}': `);
  }

  /**
   * Resolves refs (`view:feature`, `view:*`, `transformation:output`) in order. Output names are
   * the bare feature names, or `view__feature` with fullNames; two refs yielding one name fail.
   */
  select(refs: readonly string[], fullNames: boolean, owner = ""): FeatureSelection {
    const where = `${owner}field 'features'`;
    const viewFeatures = new Map<string, Map<string, FieldDef>>();
    const onDemand = new Map<string, OnDemandDef>();
    const outputs: SelectedFeature[] = [];
    const byOutput = new Map<string, string>();
    const add = (view: string, field: FieldDef, ref: string) => {
      const output = fullNames ? `${view}__${field.name}` : field.name;
      const other = byOutput.get(output);
      if (other !== undefined && other !== `${view}:${field.name}`) {
        throw invalidParameter(
          `${where}: '${ref}' and '${other}' would both be returned as '${output}'; ask for full feature names`,
        );
      }
      if (other !== undefined) return;
      byOutput.set(output, `${view}:${field.name}`);
      outputs.push({ view, field, output });
    };
    const need = (view: ResolvedView, field: FieldDef) => {
      const set = viewFeatures.get(view.def.name) ?? new Map<string, FieldDef>();
      viewFeatures.set(view.def.name, set);
      set.set(field.name, field);
    };
    for (const [i, ref] of refs.entries()) {
      const colon = ref.indexOf(":");
      const viewName = ref.slice(0, colon);
      const featureName = ref.slice(colon + 1);
      const at = `${owner}field 'features.${i}'`;
      const view = this.views.get(viewName);
      const transform = this.onDemand.get(viewName);
      if (view) {
        const fields = featureName === "*" ? [...view.features.values()] : [view.features.get(featureName)];
        for (const field of fields) {
          if (!field)
            throw invalidParameter(`${at}: feature view '${viewName}' has no feature '${featureName}'`);
          need(view, field);
          add(viewName, field, ref);
        }
      } else if (transform) {
        const fields =
          featureName === "*" ? transform.outputs : [transform.outputs.find((o) => o.name === featureName)];
        for (const field of fields) {
          if (!field) {
            throw invalidParameter(
              `${at}: on-demand transformation '${viewName}' has no output '${featureName}'`,
            );
          }
          add(viewName, field, ref);
        }
        if (!onDemand.has(viewName)) {
          onDemand.set(viewName, transform);
          for (const input of transform.inputs) {
            const [v, f] = input.split(":") as [string, string];
            const inputView = this.views.get(v)!;
            for (const field of f === "*" ? inputView.features.values() : [inputView.features.get(f)!]) {
              need(inputView, field);
            }
          }
        }
      } else {
        throw invalidParameter(`${at}: no feature view or on-demand transformation named '${viewName}'`);
      }
    }
    const views = [...viewFeatures].map(([name, set]) => ({
      view: this.views.get(name)!,
      features: [...set.values()],
    }));
    const keys = new Map<string, JoinKey>();
    for (const { view } of views) for (const k of view.keys) if (!keys.has(k.name)) keys.set(k.name, k);
    const requestFields = new Map<string, FieldDef>();
    for (const o of onDemand.values()) for (const f of o.request) requestFields.set(f.name, f);
    return { views, onDemand: [...onDemand.values()], outputs, keys, requestFields };
  }
}

function unique<T extends { name: string }>(map: Map<string, T>, item: T, label: string): void {
  if (map.has(item.name)) fail(`${label} '${item.name}' is defined twice`);
  map.set(item.name, item);
}

function fail(message: string): never {
  throw invalidParameter(message);
}
