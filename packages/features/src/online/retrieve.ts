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

/**
 * Online retrieval: one store round trip for every view and row, then per value a status —
 * MISSING (never materialized, unknown key, feature not written), EXPIRED (event time before
 * now − ttl: the offline rule, so training and serving agree; the value is withheld, as offline)
 * or PRESENT — and the transformations run on the result.
 */
export async function getOnlineFeatures(
  store: OnlineStore,
  selection: FeatureSelection,
  rows: readonly Record<string, unknown>[],
  options: { now: number; transformations: ReadonlyMap<string, Transformation> },
): Promise<OnlineResponse> {
  checkEntityRows(selection, rows);
  const reads: OnlineRead[] = selection.views.map(({ view, features }) => ({
    view: view.def.name,
    keys: rows.map((row) => encodeKey(view.keys.map((k) => row[k.name] as KeyValue))),
    features: features.map((f) => f.name),
  }));
  const records = await store.read(reads);
  const results: OnlineResult[] = [];
  for (let r = 0; r < rows.length; r++) {
    const values: Record<string, FeatureValue> = {};
    const statuses: Record<string, FeatureStatus> = {};
    const times: Record<string, string | null> = {};
    // Per view, per feature: value and status (outputs and transformation inputs alike).
    const byView = new Map<string, { value: FeatureValue; status: FeatureStatus }[]>();
    for (const [v, { view, features }] of selection.views.entries()) {
      const record = records[v]![r];
      const ttl = view.def.ttl_seconds;
      const expired = record !== undefined && ttl > 0 && record.eventTime < options.now - ttl * 1000;
      times[view.def.name] = record === undefined ? null : isoOfMillis(record.eventTime);
      byView.set(
        view.def.name,
        features.map((f) => {
          const stored = record?.values[f.name];
          if (stored === undefined) return { value: null, status: "MISSING" };
          if (expired) return { value: null, status: "EXPIRED" };
          const value = f.type === "timestamp" && typeof stored === "number" ? isoOfMillis(stored) : stored;
          return { value, status: "PRESENT" };
        }),
      );
    }
    const featureOf = (view: string, name: string) => {
      const index = selection.views
        .find((s) => s.view.def.name === view)!
        .features.findIndex((f) => f.name === name);
      return byView.get(view)![index]!;
    };
    const computed = new Map<string, Record<string, FeatureValue | undefined>>();
    for (const t of selection.onDemand) {
      const fn = options.transformations.get(t.name);
      if (!fn) {
        throw new GyreError(
          "NOT_IMPLEMENTED",
          `On-demand transformation '${t.name}' is not loaded in this server: start it with the feature repository that defines it (--feature-repo).`,
        );
      }
      const input: Record<string, FeatureValue> = {};
      for (const ref of t.inputs) {
        const [view, feature] = ref.split(":") as [string, string];
        const names =
          feature === "*"
            ? selection.views.find((s) => s.view.def.name === view)!.view.features.keys()
            : [feature];
        for (const name of names) {
          const got = featureOf(view, name);
          input[name] = got.status === "PRESENT" ? got.value : null;
        }
      }
      for (const field of t.request)
        input[field.name] = (rows[r]![field.name] as FeatureValue | undefined) ?? null;
      computed.set(t.name, await fn(input));
    }
    for (const out of selection.outputs) {
      const output = computed.get(out.view);
      if (output) {
        const value = output[out.field.name];
        values[out.output] = value ?? null;
        statuses[out.output] = value === undefined || value === null ? "MISSING" : "PRESENT";
      } else {
        const got = featureOf(out.view, out.field.name);
        values[out.output] = got.value;
        statuses[out.output] = got.status;
      }
    }
    results.push({ values, statuses, event_timestamps: times });
  }
  return { feature_names: selection.outputs.map((o) => o.output), results };
}
