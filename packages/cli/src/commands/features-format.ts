import type { features } from "@gyre/core";
import type { MaterializeJob, OnlineFeatures, RegistryPlan } from "@gyre/sdk";
import { renderTable } from "../format/table.js";

const LABEL: Record<string, string> = {
  entity: "entity",
  source: "source",
  feature_view: "feature view",
  on_demand: "on-demand transformation",
  feature_service: "feature service",
};
const SIGN = { add: "+", change: "~", remove: "-" } as const;

function show(value: unknown): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

/** A plan as a readable diff: `+ feature view driver_stats`, `~ …` with one line per changed field. */
export function planReport(plan: RegistryPlan, applied?: boolean): string {
  const lines = plan.changes.flatMap((c) => [
    `${SIGN[c.action]} ${LABEL[c.kind] ?? c.kind} ${c.name}`,
    ...(c.fields ?? []).map((f) => `    ${f.field}: ${show(f.before)} → ${show(f.after)}`),
  ]);
  const counts = (["add", "change", "remove"] as const).map(
    (a) => `${plan.changes.filter((c) => c.action === a).length} to ${a}`,
  );
  const done = (["added", "changed", "removed"] as const).map(
    (a, i) =>
      `${plan.changes.filter((c) => c.action === (["add", "change", "remove"] as const)[i]).length} ${a}`,
  );
  const summary =
    plan.changes.length === 0
      ? `No changes: the registry (version ${plan.registry_version}) already holds this repository (${plan.unchanged} objects).`
      : applied === undefined
        ? `Plan: ${counts.join(", ")}, ${plan.unchanged} unchanged (registry version ${plan.registry_version}).`
        : `Applied: ${done.join(", ")}, ${plan.unchanged} unchanged; registry version ${plan.registry_version}.`;
  return [...lines, ...(lines.length > 0 ? [""] : []), summary].join("\n");
}

/** Objects by kind and name, with the registry version that last changed each; then watermarks. */
export function registryTable(list: {
  registry_version: number;
  objects: features.RegistryObject[];
  watermarks: features.Watermark[];
}): string {
  const objects = renderTable(
    ["KIND", "NAME", "VERSION", "UPDATED", "DETAILS"],
    list.objects.map((o) => [
      LABEL[o.kind] ?? o.kind,
      o.name,
      String(o.version),
      new Date(o.last_update_time).toISOString(),
      details(o),
    ]),
  );
  const parts = [`Registry version ${list.registry_version}`, "", objects];
  if (list.watermarks.length > 0) {
    parts.push(
      "",
      renderTable(
        ["FEATURE VIEW", "MATERIALIZED UP TO", "LAST RUN", "ROWS"],
        list.watermarks.map((w) => [
          w.feature_view,
          w.watermark,
          new Date(w.last_run_time).toISOString(),
          String(w.rows_written),
        ]),
      ),
    );
  }
  return parts.join("\n");
}

function details(o: features.RegistryObject): string {
  const spec = o.spec;
  const names = (list: unknown) => (list as { name: string; type?: string }[]).map((f) => f.name);
  switch (o.kind) {
    case "entity":
      return (spec.join_keys as { name: string; type: string }[])
        .map((k) => `${k.name}:${k.type}`)
        .join(", ");
    case "source":
      return `${String(spec.path ?? spec.dataset)}${spec.sql ? " (sql)" : ""}`;
    case "feature_view":
      return `${names(spec.features).length} features, ttl ${spec.ttl_seconds === 0 ? "none" : `${String(spec.ttl_seconds)}s`}`;
    case "on_demand":
      return `→ ${names(spec.outputs).join(", ")}`;
    default:
      return (spec.features as string[]).join(", ");
  }
}

/** One row per entity, one column per feature: the value, and the status when it is not PRESENT. */
export function onlineTable(entities: Record<string, unknown>[], response: OnlineFeatures): string {
  const keys = [...new Set(entities.flatMap((e) => Object.keys(e)))];
  return renderTable(
    [...keys, ...response.featureNames],
    response.results.map((r, i) => [
      ...keys.map((k) => String(entities[i]?.[k] ?? "")),
      ...response.featureNames.map((f) => {
        const status = r.statuses[f];
        return status === "PRESENT" ? JSON.stringify(r.values[f]) : `(${status?.toLowerCase()})`;
      }),
    ]),
  );
}

export function jobSummary(job: MaterializeJob): string {
  return renderTable(
    ["FEATURE VIEW", "FROM", "TO", "ENTITIES WRITTEN", "STATUS"],
    job.views.map((v) => [v.feature_view, v.start ?? "(beginning)", v.end, String(v.written), v.status]),
  );
}
