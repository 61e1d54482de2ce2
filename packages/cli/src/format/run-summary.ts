import type { RunRecord } from "@gyre/sdk";
import { formatDuration, formatMetricValue, formatTimestamp } from "./values.js";

/** How many metric and param columns a run table shows; `runs show` has the rest. */
const HIGHLIGHTED_KEYS = 3;

export interface RunColumns {
  headers: string[];
  rows: string[][];
}

/** One row per run: identity, status, timing, then the metrics and params most runs share. */
export function runColumns(runs: readonly RunRecord[]): RunColumns {
  const metricKeys = commonKeys(runs.map((r) => (r.data.metrics ?? []).map((m) => m.key)));
  const paramKeys = commonKeys(runs.map((r) => (r.data.params ?? []).map((p) => p.key)));
  return {
    headers: [
      "RUN ID",
      "NAME",
      "STATUS",
      "START TIME",
      "DURATION",
      ...metricKeys.map((k) => `metrics.${k}`),
      ...paramKeys.map((k) => `params.${k}`),
    ],
    rows: runs.map((run) => {
      const metrics = new Map((run.data.metrics ?? []).map((m) => [m.key, formatMetricValue(m.value)]));
      const params = new Map((run.data.params ?? []).map((p) => [p.key, p.value]));
      return [
        run.info.run_id,
        run.info.run_name ?? "",
        run.info.status,
        formatTimestamp(run.info.start_time),
        runDuration(run),
        ...metricKeys.map((k) => metrics.get(k) ?? ""),
        ...paramKeys.map((k) => params.get(k) ?? ""),
      ];
    }),
  };
}

/** A running run has no duration yet. */
export function runDuration(run: RunRecord): string {
  return run.info.end_time === undefined ? "-" : formatDuration(run.info.end_time - run.info.start_time);
}

/** The keys present in the most runs, ties broken alphabetically. */
function commonKeys(keysPerRun: readonly string[][]): string[] {
  const counts = new Map<string, number>();
  for (const keys of keysPerRun) for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, HIGHLIGHTED_KEYS)
    .map(([key]) => key);
}
