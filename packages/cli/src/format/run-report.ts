import type { FileInfo, RunRecord } from "@gyre/sdk";
import { runDuration } from "./run-summary.js";
import { renderPairs, renderTable } from "./table.js";
import { formatBytes, formatMetricValue, formatTimestamp } from "./values.js";

/** A run's artifact files, or why they could not be listed. */
export type ArtifactListing = { artifacts: FileInfo[] } | { artifacts_error: string };

/** `gyre runs show`: an overview block, then one titled section per kind of run data. */
export function runReport(run: RunRecord, listing: ArtifactListing): string {
  const { info, data, inputs } = run;
  const header = `Run ${info.run_id}${info.run_name ? ` (${info.run_name})` : ""}`;
  const overview = renderPairs([
    ["experiment id", info.experiment_id],
    ["status", info.status],
    ["user", info.user_id ?? ""],
    ["start time", formatTimestamp(info.start_time)],
    ["end time", formatTimestamp(info.end_time)],
    ["duration", runDuration(run)],
    ["artifact uri", info.artifact_uri],
    ["lifecycle stage", info.lifecycle_stage],
  ]);
  const sections: [string, string[], string[][]][] = [
    ["Params", ["KEY", "VALUE"], (data.params ?? []).map((p) => [p.key, p.value])],
    [
      "Metrics (latest)",
      ["KEY", "VALUE", "STEP", "TIMESTAMP"],
      (data.metrics ?? []).map((m) => [
        m.key,
        formatMetricValue(m.value),
        String(m.step),
        formatTimestamp(m.timestamp),
      ]),
    ],
    ["Tags", ["KEY", "VALUE"], (data.tags ?? []).map((t) => [t.key, t.value])],
    [
      "Inputs",
      ["NAME", "DIGEST", "SOURCE TYPE", "CONTEXT"],
      (inputs.dataset_inputs ?? []).map((d) => [
        d.dataset.name,
        d.dataset.digest,
        d.dataset.source_type,
        d.tags?.find((t) => t.key === "mlflow.data.context")?.value ?? "",
      ]),
    ],
  ];
  const blocks = sections.map(([title, headers, rows]) =>
    section(title, rows.length ? renderTable(headers, rows) : "(none)"),
  );
  return [header, indent(overview), ...blocks, section("Artifacts", artifactsBlock(listing))].join("\n\n");
}

function artifactsBlock(listing: ArtifactListing): string {
  if ("artifacts_error" in listing) return `unavailable: ${listing.artifacts_error}`;
  if (listing.artifacts.length === 0) return "(none)";
  return renderTable(
    ["PATH", "SIZE"],
    listing.artifacts.map((f) => [f.path, formatBytes(f.file_size)]),
  );
}

function section(title: string, body: string): string {
  return `${title}\n${indent(body)}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
