import { type FeatureStatus, type FeatureValue, GyreError, invalidParameter } from "@gyre/core";
import type { FeatureSelection } from "../catalog.js";
import { encodeKey, isoOfMillis, KEY_RULE, type KeyValue, keyMatches } from "../values.js";
import type { OnlineRead, OnlineStore } from "./store.js";

/**
 * An on-demand transformation: a function in the repository's code, run per entity row on its
 * input features (by feature name) and request fields; it returns its declared outputs.
 */
export type Transformation = (
  input: Record<string, FeatureValue>,
) => Record<string, FeatureValue | undefined> | Promise<Record<string, FeatureValue | undefined>>;

export interface OnlineResult {
  values: Record<string, FeatureValue>;
  statuses: Record<string, FeatureStatus>;
  event_timestamps: Record<string, string | null>;
}

export interface OnlineResponse {
  feature_names: string[];
  results: OnlineResult[];
}

/**
 * Checks entity rows against what the selection needs: every join key present with its type, and
 * nothing but join keys and the transformations' request fields. 400s name `entities.<i>.<field>`.
 */
export function checkEntityRows(selection: FeatureSelection, rows: readonly Record<string, unknown>[]): void {
  for (const [i, row] of rows.entries()) {
    for (const key of selection.keys.values()) {
      const value = row[key.name];
      if (value === undefined || value === null) {
        throw invalidParameter(`entities.${i}.${key.name}: missing join key (a ${key.type})`);
      }
      if (!keyMatches(key.type, value)) {
        throw invalidParameter(
          `entities.${i}.${key.name}: ${KEY_RULE[key.type]}, got ${JSON.stringify(value)}`,
        );
      }
    }
    for (const name of Object.keys(row)) {
      if (!selection.keys.has(name) && !selection.requestFields.has(name)) {
        const known = [...selection.keys.keys(), ...selection.requestFields.keys()].join(", ");
        throw invalidParameter(
          `entities.${i}.${name}: not a join key or request field of the requested features (expected: ${known})`,
        );
      }
    }
  }
}

/** A transformation the registry defines but whose code this process did not load. */
export function transformationNotLoaded(name: string): GyreError {
  return new GyreError(
    "NOT_IMPLEMENTED",
    `On-demand transformation '${name}' is not loaded: start the server with the feature repository that defines it (gyre server --feature-repo DIR; in-process commands take --repo DIR).`,
  );
}

/** Where each output and transformation input sits, worked out once per selection. */
interface Plan {
  readonly views: {
    readonly name: string;
    readonly ttlMs: number;
    readonly keys: readonly string[];
    readonly features: readonly string[];
    readonly timestamp: readonly boolean[];
  }[];
  readonly outputs: readonly {
    name: string;
    view: number;
    feature: number;
    transform?: string;
    output?: string;
  }[];
  readonly inputs: ReadonlyMap<string, readonly { name: string; view: number; feature: number }[]>;
  /** JSON text pieces: the answer's head, and `"name":` per output and per view (comma-led after the first). */
  readonly text: {
    readonly head: string;
    readonly outputs: readonly string[];
    readonly views: readonly string[];
  };
}

const plans = new WeakMap<FeatureSelection, Plan>();

function planOf(selection: FeatureSelection): Plan {
  const cached = plans.get(selection);
  if (cached) return cached;
  const viewIndex = new Map(selection.views.map((s, i) => [s.view.def.name, i]));
  const slot = (view: string, feature: string) => {
    const v = viewIndex.get(view)!;
    return { view: v, feature: selection.views[v]!.features.findIndex((f) => f.name === feature) };
  };
  const transforms = new Set(selection.onDemand.map((t) => t.name));
  const inputs = new Map(
    selection.onDemand.map((t) => [
      t.name,
      t.inputs.flatMap((ref) => {
        const [view, feature] = ref.split(":") as [string, string];
        const names =
          feature === "*" ? [...selection.views[viewIndex.get(view)!]!.view.features.keys()] : [feature];
        return names.map((name) => ({ name, ...slot(view, name) }));
      }),
    ]),
  );
  const plan: Plan = {
    views: selection.views.map(({ view, features }) => ({
      name: view.def.name,
      ttlMs: view.def.ttl_seconds * 1000,
      keys: view.keys.map((k) => k.name),
      features: features.map((f) => f.name),
      timestamp: features.map((f) => f.type === "timestamp"),
    })),
    outputs: selection.outputs.map((o) =>
      transforms.has(o.view)
        ? { name: o.output, view: -1, feature: -1, transform: o.view, output: o.field.name }
        : { name: o.output, ...slot(o.view, o.field.name) },
    ),
    inputs,
    text: {
      head: `{"feature_names":${JSON.stringify(selection.outputs.map((o) => o.output))},"results":[`,
      outputs: selection.outputs.map((o, i) => `${i > 0 ? "," : ""}${JSON.stringify(o.output)}:`),
      views: selection.views.map((s, i) => `${i > 0 ? "," : ""}${JSON.stringify(s.view.def.name)}:`),
    },
  };
  plans.set(selection, plan);
  return plan;
}

/**
 * Per entity row: per view the record's event time (undefined = none) and per feature the
 * answer's JSON text ("null" unless PRESENT) and status.
 */
interface ResolvedRow {
  readonly times: (number | undefined)[];
  readonly texts: string[][];
  readonly statuses: FeatureStatus[][];
}

/** A stored timestamp (epoch ms as JSON) as the answer's JSON text: the ISO string. */
function timestampText(text: string): string {
  const c = text.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 45 ? `"${isoOfMillis(Number(text))}"` : text;
}

/**
 * One store round trip for every view and row, then per value a status — MISSING (never
 * materialized, unknown key, feature not written), EXPIRED (event time before now − ttl: the
 * offline rule, so training and serving agree; the value is withheld, as offline) or PRESENT.
 * Values stay the JSON text the store holds (numbers are neither parsed nor formatted again).
 */
async function resolveRows(
  store: OnlineStore,
  selection: FeatureSelection,
  rows: readonly Record<string, unknown>[],
  options: { now: number; transformations: ReadonlyMap<string, Transformation> },
): Promise<{ plan: Plan; resolved: ResolvedRow[] }> {
  checkEntityRows(selection, rows);
  const plan = planOf(selection);
  for (const t of selection.onDemand) {
    if (!options.transformations.has(t.name)) {
      throw transformationNotLoaded(t.name);
    }
  }
  const reads: OnlineRead[] = plan.views.map((v) => ({
    view: v.name,
    keys: rows.map((row) => encodeKey(v.keys.map((k) => row[k] as KeyValue))),
    features: v.features,
  }));
  const records = await store.readJson(reads);
  const resolved: ResolvedRow[] = [];
  for (let r = 0; r < rows.length; r++) {
    const times: (number | undefined)[] = [];
    // Per view, per feature: value and status (outputs and transformation inputs alike).
    const slotTexts: string[][] = [];
    const slotStatuses: FeatureStatus[][] = [];
    for (let v = 0; v < plan.views.length; v++) {
      const view = plan.views[v]!;
      const record = records[v]![r];
      const expired = record !== undefined && view.ttlMs > 0 && record.eventTime < options.now - view.ttlMs;
      times.push(record?.eventTime);
      const texts: string[] = new Array(view.features.length);
      const statuses: FeatureStatus[] = new Array(view.features.length);
      for (let f = 0; f < view.features.length; f++) {
        const stored = record?.texts[f];
        if (stored === undefined) {
          texts[f] = "null";
          statuses[f] = "MISSING";
        } else if (expired) {
          texts[f] = "null";
          statuses[f] = "EXPIRED";
        } else {
          texts[f] = view.timestamp[f] ? timestampText(stored) : stored;
          statuses[f] = "PRESENT";
        }
      }
      slotTexts.push(texts);
      slotStatuses.push(statuses);
    }
    resolved.push({ times, texts: slotTexts, statuses: slotStatuses });
  }
  return { plan, resolved };
}

/**
 * Online retrieval: the values and statuses of resolveRows, and the transformations run on them
 * (with the request fields of their row).
 */
export async function getOnlineFeatures(
  store: OnlineStore,
  selection: FeatureSelection,
  rows: readonly Record<string, unknown>[],
  options: { now: number; transformations: ReadonlyMap<string, Transformation> },
): Promise<OnlineResponse> {
  const { plan, resolved } = await resolveRows(store, selection, rows, options);
  const results: OnlineResult[] = [];
  for (let r = 0; r < rows.length; r++) {
    const { times: eventTimes, texts: slotTexts, statuses: slotStatuses } = resolved[r]!;
    const slotValue = (view: number, feature: number) =>
      JSON.parse(slotTexts[view]![feature]!) as FeatureValue;
    const times: Record<string, string | null> = {};
    for (let v = 0; v < plan.views.length; v++) {
      const time = eventTimes[v];
      times[plan.views[v]!.name] = time === undefined ? null : isoOfMillis(time);
    }
    const computed = new Map<string, Record<string, FeatureValue | undefined>>();
    for (const t of selection.onDemand) {
      const input: Record<string, FeatureValue> = {};
      for (const i of plan.inputs.get(t.name)!) {
        input[i.name] = slotStatuses[i.view]![i.feature] === "PRESENT" ? slotValue(i.view, i.feature) : null;
      }
      for (const field of t.request)
        input[field.name] = (rows[r]![field.name] as FeatureValue | undefined) ?? null;
      computed.set(t.name, await options.transformations.get(t.name)!(input));
    }
    const values: Record<string, FeatureValue> = {};
    const statuses: Record<string, FeatureStatus> = {};
    for (const out of plan.outputs) {
      if (out.transform !== undefined) {
        const value = computed.get(out.transform)![out.output!];
        values[out.name] = value ?? null;
        statuses[out.name] = value === undefined || value === null ? "MISSING" : "PRESENT";
      } else {
        values[out.name] = slotValue(out.view, out.feature);
        statuses[out.name] = slotStatuses[out.view]![out.feature]!;
      }
    }
    results.push({ values, statuses, event_timestamps: times });
  }
  return { feature_names: selection.outputs.map((o) => o.output), results };
}

/**
 * The same answer as `JSON.stringify(await getOnlineFeatures(...))`, written as text from the
 * selection's precomputed pieces (field names quoted once per selection): the HTTP route sends it
 * as is. Selections with transformations take the object path (their outputs are the function's).
 */
export async function getOnlineFeaturesText(
  store: OnlineStore,
  selection: FeatureSelection,
  rows: readonly Record<string, unknown>[],
  options: { now: number; transformations: ReadonlyMap<string, Transformation> },
): Promise<string> {
  if (selection.onDemand.length > 0) {
    return JSON.stringify(await getOnlineFeatures(store, selection, rows, options));
  }
  const { plan, resolved } = await resolveRows(store, selection, rows, options);
  const text = plan.text;
  let out = text.head;
  for (let r = 0; r < resolved.length; r++) {
    const row = resolved[r]!;
    out += r === 0 ? '{"values":{' : ',{"values":{';
    for (let o = 0; o < plan.outputs.length; o++) {
      const slot = plan.outputs[o]!;
      out += text.outputs[o]! + row.texts[slot.view]![slot.feature]!;
    }
    out += '},"statuses":{';
    for (let o = 0; o < plan.outputs.length; o++) {
      const slot = plan.outputs[o]!;
      out += `${text.outputs[o]!}"${row.statuses[slot.view]![slot.feature]!}"`;
    }
    out += '},"event_timestamps":{';
    for (let v = 0; v < plan.views.length; v++) {
      const time = row.times[v];
      out += text.views[v]! + (time === undefined ? "null" : `"${isoOfMillis(time)}"`);
    }
    out += "}}";
  }
  return `${out}]}`;
}
