import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitoring } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateWindow } from "../src/monitoring/evaluation/evaluate.js";
import { buildReport, monitoringReportOf } from "../src/monitoring/report.js";
import { ParquetPredictionStore } from "../src/monitoring/store/parquet-store.js";
import type { PredictionRow } from "../src/monitoring/store/prediction-store.js";

/**
 * A window busier than one evaluation reads: counts and latencies still cover all of it, and
 * performance is computed on a uniform sample, not on the newest rows. The first half of this
 * window is predicted right and the second half wrong, so the newest rows alone would say 0.
 */
const START = Date.UTC(2024, 4, 1, 10, 0, 0);
const WINDOW_MS = 300_000;
const ROWS = 300;
const LIMIT = 100;

describe("evaluating a window larger than the evaluation reads", () => {
  let dir: string;
  let store: ParquetPredictionStore;
  const rows: PredictionRow[] = Array.from({ length: ROWS }, (_, i) => ({
    request_id: `r${i}`,
    row: 0,
    timestamp: START + i * 1000,
    model: "busy",
    deployment: null,
    version: "1",
    arm: null,
    latency_ms: i + 1,
    inputs: { x: i },
    outputs: { label: i < ROWS / 2 ? 1 : 0 },
  }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gyre-sample-"));
    store = new ParquetPredictionStore(dir);
    await store.appendPredictions(rows);
    await store.appendLabels(
      rows.map((r) => ({ request_id: r.request_id, value: 1 })),
      START + WINDOW_MS,
    );
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("counts the whole window and scores a uniform sample, the same on every run", async () => {
    const spec = monitoring.MonitorSpec.parse({
      target: { model: "busy" },
      task: "classification",
      drift: { enabled: false },
    });
    const sources = {
      store,
      references: {
        resolve: async () => ({ reason: "no reference in this test" }),
        stats: async () => {
          throw new Error("not reached");
        },
      },
      drift: {
        profile: async () => {
          throw new Error("not reached");
        },
      },
      maxRows: LIMIT,
    };
    const result = await evaluateWindow(spec, START, START + WINDOW_MS, sources);

    // The sample: the LIMIT keys with the smallest MD5 of `request_id:row`; right = first half.
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    const sample = rows
      .map((r, i) => ({ key: md5(`${r.request_id}:0`), right: i < ROWS / 2 }))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, LIMIT);
    const accuracy = sample.filter((s) => s.right).length / LIMIT;
    expect(accuracy).toBeGreaterThan(0.3); // a spread sample, not the wrong newest half

    expect(result.values).toMatchObject({
      prediction_count: ROWS,
      labeled_count: LIMIT,
      accuracy,
      throughput_rps: ROWS / (WINDOW_MS / 1000),
      // numpy.percentile(range(1, 301), [50, 99]) = [150.5, 297.01]
      latency_p50_ms: 150.5,
    });
    expect(result.values.latency_p99_ms).toBeCloseTo(297.01, 9);
    expect(result.details).toMatchObject({ evaluated_rows: LIMIT, sampled: true });
    const again = await evaluateWindow(spec, START, START + WINDOW_MS, sources);
    expect(again.values.accuracy).toBe(accuracy);

    const evaluation = {
      number: 1,
      window_start: START,
      window_end: START + WINDOW_MS,
      evaluated_at: START + WINDOW_MS,
      status: result.status,
      values: result.values,
      breaches: result.breaches,
    } as monitoring.Evaluation;
    const report = monitoringReportOf(buildReport("busy-monitor", spec, evaluation, result.details, []));
    expect(report.notes).toContain(
      "The window held 300 answered rows, more than one evaluation reads: performance, quality and drift are computed on a uniform sample of 100 (the same on every run); counts and latencies cover the whole window.",
    );
  });

  it("reads a window within the limit whole", async () => {
    const spec = monitoring.MonitorSpec.parse({ target: { model: "busy" }, drift: { enabled: false } });
    const result = await evaluateWindow(spec, START, START + WINDOW_MS, {
      store,
      references: { resolve: async () => ({ reason: "none" }), stats: async () => ({}) as never },
      drift: { profile: async () => ({}) as never },
      maxRows: ROWS,
    });
    expect(result.details).toMatchObject({ evaluated_rows: ROWS, sampled: false });
    expect(result.values.accuracy).toBe(0.5);
  });
});
