import { features } from "@gyre/core";

type ObjectKind = features.ObjectKind;
type ObjectChange = features.ObjectChange;
type FieldChange = features.FieldChange;

/** A definition as stored: kind, name, position within its kind and its JSON spec. */
export interface StoredObject {
  kind: ObjectKind;
  name: string;
  position: number;
  spec: Record<string, unknown>;
}

/** The objects a repository defines, in dependency order then as listed. */
export function objectsOf(repository: features.FeatureRepository): StoredObject[] {
  return features.OBJECT_KINDS.flatMap((kind) =>
    (repository[features.KIND_FIELD[kind]] as { name: string }[]).map((spec, position) => ({
      kind,
      name: spec.name,
      position,
      spec: spec as unknown as Record<string, unknown>,
    })),
  );
}

/** The repository the stored objects make up (they were validated when applied). */
export function repositoryOf(objects: readonly StoredObject[]): features.FeatureRepository {
  const repository = features.FeatureRepository.parse({});
  const sorted = [...objects].sort((a, b) => a.position - b.position);
  for (const o of sorted) (repository[features.KIND_FIELD[o.kind]] as unknown[]).push(o.spec);
  return repository;
}

const keyOf = (o: { kind: string; name: string }) => `${o.kind}\u0000${o.name}`;

/**
 * Added, changed and removed objects, changes field by field. Lists of named items (features,
 * join keys) are compared item by item under their names, so `features.conv_rate.type` reads as
 * one change rather than a whole new list. Position changes alone are not changes.
 */
export function diffObjects(
  before: readonly StoredObject[],
  after: readonly StoredObject[],
): { changes: ObjectChange[]; unchanged: number } {
  const old = new Map(before.map((o) => [keyOf(o), o]));
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const o of after) {
    const previous = old.get(keyOf(o));
    old.delete(keyOf(o));
    if (!previous) {
      changes.push({ kind: o.kind, name: o.name, action: "add" });
      continue;
    }
    const fields: FieldChange[] = [];
    diffValue(previous.spec, o.spec, "", fields);
    if (fields.length === 0) unchanged++;
    else changes.push({ kind: o.kind, name: o.name, action: "change", fields });
  }
  for (const o of old.values()) changes.push({ kind: o.kind, name: o.name, action: "remove" });
  const rank = (c: ObjectChange) => features.OBJECT_KINDS.indexOf(c.kind);
  // Removals last and in reverse dependency order: services go before the views they name.
  changes.sort((a, b) =>
    a.action === "remove" && b.action === "remove"
      ? rank(b) - rank(a)
      : Number(a.action === "remove") - Number(b.action === "remove"),
  );
  return { changes, unchanged };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isNamedList = (v: unknown): v is { name: string }[] =>
  Array.isArray(v) && v.every((item) => isRecord(item) && typeof item.name === "string");

function diffValue(before: unknown, after: unknown, path: string, into: FieldChange[]): void {
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diffValue(before[key], after[key], path === "" ? key : `${path}.${key}`, into);
    }
    return;
  }
  if (isNamedList(before) && isNamedList(after)) {
    const byName = new Map(before.map((item) => [item.name, item]));
    const names = after.map((item) => item.name);
    for (const item of after) diffValue(byName.get(item.name), item, `${path}.${item.name}`, into);
    for (const item of before)
      if (!names.includes(item.name))
        into.push({ field: `${path}.${item.name}`, before: item, after: undefined });
    const order = (list: { name: string }[]) =>
      list.map((i) => i.name).filter((n) => byName.has(n) && names.includes(n));
    if (JSON.stringify(order(before)) !== JSON.stringify(order(after))) {
      into.push({ field: `${path} (order)`, before: order(before), after: order(after) });
    }
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) into.push({ field: path, before, after });
}
