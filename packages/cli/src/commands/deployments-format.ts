import type { deployments } from "@gyre/core";
import { renderPairs, renderTable } from "../format/table.js";

type Deployment = deployments.Deployment;

const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** A spec's targets, e.g. "models:/churn@champion 90, models:/churn/4 10; shadow models:/churn/5 20%". */
function describeSpec(spec: deployments.DeploymentSpec): string {
  const uri = (t: { model_uri?: string | undefined; model_name?: string | undefined; version?: unknown }) =>
    t.model_uri ?? `models:/${t.model_name}/${String(t.version)}`;
  const arms = spec.arms.map((a) => `${uri(a)} ${a.weight}`).join(", ");
  const shadows = spec.shadows.map((s) => `${uri(s)} ${s.percent}%`).join(", ");
  return shadows ? `${arms}; shadow ${shadows}` : arms;
}

/** A deployment as `label  value` lines; the serving status when the answering server serves it. */
export function describeDeployment(d: Deployment): string {
  const pairs: [string, string][] = [
    ["name:", d.name],
    ["revision:", String(d.revision)],
    ["spec:", describeSpec(d.spec)],
  ];
  if (d.spec.sticky_header) pairs.push(["sticky header:", d.spec.sticky_header]);
  for (const arm of d.status?.arms ?? []) {
    pairs.push([
      `${arm.role}:`,
      `${d.status?.model_name} version ${arm.version} (${pct(arm.share)}) ← ${arm.model_uri}`,
    ]);
  }
  if (d.status?.last_error) pairs.push(["last error:", d.status.last_error]);
  pairs.push(["updated:", `${new Date(d.last_updated_timestamp).toISOString()} by ${d.last_updated_by}`]);
  return renderPairs(pairs);
}

export function renderDeploymentList(list: readonly Deployment[]): string {
  if (list.length === 0) return "No deployments.";
  return renderTable(
    ["NAME", "REVISION", "SPEC", "UPDATED"],
    list.map((d) => [
      d.name,
      String(d.revision),
      describeSpec(d.spec),
      new Date(d.last_updated_timestamp).toISOString(),
    ]),
    { maxCellWidth: 80 },
  );
}
