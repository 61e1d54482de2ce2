import { monitoring } from "@gyre/core";
import { type Gyre, MonitoringClient } from "@gyre/sdk";
import { DEMO_FEATURES, DEMO_TARGET } from "./demo-data.js";

/**
 * Replays flights as traffic through a served deployment (MLflow's scoring protocol, a batch of
 * rows per request with our own request id), then sends their ground truth by request id and row,
 * as a labelling system would once the flights have landed.
 */

const ROWS_PER_REQUEST = 50;
/** Requests in flight at once. */
const CONCURRENCY = 4;

export interface ReplayWeek {
  readonly labels: monitoring.LabelEntry[];
}

function jsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value ?? null;
}

export async function replayWeek(
  base: string,
  prefix: string,
  rows: readonly Record<string, unknown>[],
  advance: (rows: number) => void,
): Promise<ReplayWeek> {
  const labels: monitoring.LabelEntry[] = [];
  const batches: (readonly Record<string, unknown>[])[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_REQUEST) batches.push(rows.slice(i, i + ROWS_PER_REQUEST));
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const batch = batches[index];
      if (!batch) return;
      const requestId = `${prefix}-${index}`;
      const response = await fetch(`${base}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify({
          dataframe_split: {
            columns: DEMO_FEATURES,
            data: batch.map((row) => DEMO_FEATURES.map((c) => jsonValue(row[c]))),
          },
        }),
      });
      if (!response.ok)
        throw new Error(`${base}/invocations answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
      batch.forEach((row, r) => {
        // The model's classes are the texts "0" and "1": labels use the same values.
        labels.push({ request_id: requestId, row: r, value: String(row[DEMO_TARGET]) });
      });
      advance(batch.length);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { labels };
}

/** Model version → predictions the deployment logged in [start, end). */
export async function versionsServed(gyre: Gyre, deployment: string, start: number, end: number) {
  const { predictions } = await gyre.client.call(monitoring.searchPredictions, {
    deployment,
    start_time: start,
    end_time: end,
    max_results: 100_000,
  });
  const versions: Record<string, number> = {};
  for (const p of predictions)
    if (p.arm !== "shadow") versions[p.version ?? "?"] = (versions[p.version ?? "?"] ?? 0) + 1;
  return versions;
}

/** Sends labels (the SDK chunks them). */
export async function sendLabels(gyre: Gyre, labels: readonly monitoring.LabelEntry[]): Promise<void> {
  await new MonitoringClient(gyre.client).logLabels(labels);
}
