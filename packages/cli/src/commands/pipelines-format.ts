import type { pipelines } from "@gyre/core";
import { renderPairs, renderTable } from "../format/table.js";
import { formatDuration, formatTimestamp } from "../format/values.js";

function duration(start: number | undefined, end: number | undefined, now = Date.now()): string {
  if (start === undefined) return "";
  return formatDuration((end ?? now) - start);
}

function stepCounts(run: pipelines.PipelineRun): string {
  const done = run.steps.filter((s) => s.status === "SUCCEEDED" || s.status === "CACHED").length;
  return `${done}/${run.steps.length}`;
}

/** `gyre pipelines list`: one line per run, newest first. */
export function pipelineRunTable(runs: readonly pipelines.PipelineRun[]): string {
  return renderTable(
    ["ID", "PIPELINE", "STATUS", "STEPS", "CREATED", "DURATION", "TRIGGER"],
    runs.map((run) => [
      run.id,
      run.name,
      run.cancel_requested && run.status === "RUNNING" ? "CANCELLING" : run.status,
      stepCounts(run),
      formatTimestamp(run.creation_time),
      duration(run.start_time, run.end_time),
      run.trigger ? `${run.trigger} (${run.event_key ?? ""})` : "",
    ]),
  );
}

function outputsText(outputs: Record<string, unknown> | undefined): string {
  if (!outputs) return "";
  return Object.entries(outputs)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

/** `gyre pipelines show`: the run, then its steps. */
export function pipelineRunReport(run: pipelines.PipelineRun): string {
  const pairs: [string, string][] = [
    ["Pipeline run", run.id],
    ["Pipeline", run.name],
    ["Status", run.cancel_requested && run.status === "RUNNING" ? "RUNNING (cancel requested)" : run.status],
    ["MLflow run", run.run_id ?? ""],
    ["Executor", run.executor],
    ["Module", run.module ?? ""],
    [
      "Params",
      Object.entries(run.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    ],
    ["Created", formatTimestamp(run.creation_time)],
    ["Duration", duration(run.start_time, run.end_time)],
  ];
  if (run.trigger) pairs.push(["Trigger", `${run.trigger} (${run.event_key ?? ""})`]);
  if (run.error) pairs.push(["Error", run.error]);
  const steps = renderTable(
    ["STEP", "STATUS", "ATTEMPT", "DURATION", "RUN", "DETAIL"],
    run.steps.map((step) => [
      step.name,
      step.status,
      step.attempt > 0 ? String(step.attempt) : "",
      duration(step.start_time, step.end_time),
      step.run_id ?? "",
      step.error ??
        (step.status === "CACHED"
          ? `cached from ${step.cached_from ?? "?"} ${outputsText(step.outputs)}`
          : outputsText(step.outputs)),
    ]),
    { maxCellWidth: 80 },
  );
  return `${renderPairs(pairs.filter(([, v]) => v !== ""))}\n\n${steps}`;
}
