import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { Gyre, GyreError } from "../src/index.js";
import { ensureBuilt } from "./support/built.js";
import { recordingFetch } from "./support/recording-fetch.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
});
afterAll(() => server.close());

/** A Gyre whose log-batch requests are recorded; the long interval keeps the timer out of the way. */
function recordedGyre(metricFlushIntervalMs = 60_000) {
  const recorder = recordingFetch();
  const gyre = new Gyre({ trackingUri: server.baseUrl, fetch: recorder.fetch, metricFlushIntervalMs });
  const metricBatchSizes = () =>
    recorder
      .to("/runs/log-batch")
      .map((r) => (r.json as { metrics?: unknown[] }).metrics?.length)
      .filter((n) => n !== undefined);
  return { gyre, metricBatchSizes };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("metric buffering", () => {
  it("keeps points in memory until 1000 are waiting, then sends batches of at most 1000", async () => {
    const { gyre, metricBatchSizes } = recordedGyre();
    const run = await gyre.startRun({ experiment: "buffering" });
    for (let step = 0; step < 999; step++)
      run.logMetric("loss", step / 10, { step, timestamp: 10_000 + step });
    await new Promise((r) => setTimeout(r, 50));
    expect(metricBatchSizes()).toEqual([]);
    expect(await gyre.getMetricHistory(run.id, "loss")).toEqual([]);

    run.logMetric("loss", 99.9, { step: 999, timestamp: 10_999 });
    await waitFor(async () => (await gyre.getMetricHistory(run.id, "loss")).length === 1000);
    expect(metricBatchSizes()).toEqual([1000]);

    for (let step = 1000; step < 2500; step++)
      run.logMetric("loss", step / 10, { step, timestamp: 10_000 + step });
    await run.end();

    expect(metricBatchSizes()).toEqual([1000, 1000, 500]);
    const history = await gyre.getMetricHistory(run.id, "loss");
    expect(history).toHaveLength(2500);
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(history.map((m) => m.value)).toEqual(Array.from({ length: 2500 }, (_, i) => i / 10));
    expect(history[2499]).toEqual({ key: "loss", value: 249.9, timestamp: 12_499, step: 2499 });
  });

  it("sends buffered points on flush() and on end()", async () => {
    const { gyre, metricBatchSizes } = recordedGyre();
    const run = await gyre.startRun({ experiment: "buffering" });
    run.logMetrics({ a: 1, b: 2 }, { step: 7, timestamp: 1 });
    await run.flush();
    expect(metricBatchSizes()).toEqual([2]);
    expect((await gyre.getRun(run.id)).data.metrics).toEqual([
      { key: "a", value: 1, timestamp: 1, step: 7 },
      { key: "b", value: 2, timestamp: 1, step: 7 },
    ]);

    run.logMetric("a", 3, { step: 8, timestamp: 2 });
    await run.end();
    expect(metricBatchSizes()).toEqual([2, 1]);
    expect((await gyre.getMetricHistory(run.id, "a")).map((m) => m.value)).toEqual([1, 3]);
  });

  it("flushes in the background after the interval", async () => {
    const { gyre, metricBatchSizes } = recordedGyre(50);
    const run = await gyre.startRun({ experiment: "buffering" });
    run.logMetric("t", 1, { timestamp: 1 });
    run.logMetric("t", 2, { timestamp: 2 });
    await waitFor(async () => (await gyre.getMetricHistory(run.id, "t")).length === 2);
    expect(metricBatchSizes()).toEqual([2]);
    await run.end();
    expect(metricBatchSizes()).toEqual([2]);
  });

  it("surfaces a failed background flush on the next call", async () => {
    const { gyre } = recordedGyre(20);
    const run = await gyre.startRun({ experiment: "buffering" });
    run.logMetric("bad key!", 1);
    await new Promise((r) => setTimeout(r, 200));

    let caught: unknown;
    try {
      run.logMetric("good", 1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GyreError);
    expect((caught as GyreError).code).toBe("INVALID_PARAMETER_VALUE");
    expect((caught as GyreError).message).toContain("Invalid metric name: 'bad key!'");
    expect((caught as GyreError).message).toContain("(1 buffered metric points were not logged)");

    run.logMetric("good", 2, { timestamp: 9 });
    await run.end();
    expect((await gyre.getRun(run.id)).data.metrics).toEqual([
      { key: "good", value: 2, timestamp: 9, step: 0 },
    ]);
  });

  it("reports a failed flush from end() but still ends the run", async () => {
    const { gyre } = recordedGyre();
    const run = await gyre.startRun({ experiment: "buffering" });
    run.logMetric("bad key!", 1);
    const error = await run.end().catch((e: unknown) => e);
    expect((error as GyreError).code).toBe("INVALID_PARAMETER_VALUE");
    expect((await gyre.getRun(run.id)).info.status).toBe("FINISHED");
    await run.end(); // already ended: nothing left to do, nothing thrown
  });

  it("keeps points whose flush failed for a transient reason, and sends them on the next flush", async () => {
    let failures = 1;
    const gyre = new Gyre({
      trackingUri: server.baseUrl,
      maxRetries: 0,
      metricFlushIntervalMs: 60_000,
      fetch: async (url, init) =>
        url.endsWith("/runs/log-batch") && failures-- > 0
          ? new Response(JSON.stringify({ error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" }), {
              status: 503,
            })
          : fetch(url, init),
    });
    const run = await gyre.startRun({ experiment: "buffering" });
    run.logMetric("kept", 1, { timestamp: 1 });
    const error = await run.flush().catch((e: unknown) => e);
    expect((error as GyreError).code).toBe("TEMPORARILY_UNAVAILABLE");
    await run.end();
    expect(await gyre.getMetricHistory(run.id, "kept")).toEqual([
      { key: "kept", value: 1, timestamp: 1, step: 0 },
    ]);
  });

  it("refuses metrics after end() instead of dropping them", async () => {
    const { gyre } = recordedGyre();
    const run = await gyre.startRun({ experiment: "buffering" });
    await run.end();
    expect(() => run.logMetric("late", 1)).toThrow(
      `Run ${run.id} has ended; no more metrics can be logged to it.`,
    );
  });

  it("rejects non-numeric values and non-integer steps at the call", async () => {
    const { gyre, metricBatchSizes } = recordedGyre();
    const run = await gyre.startRun({ experiment: "buffering" });
    expect(() => run.logMetric("x", "1" as unknown as number)).toThrow(
      "Metric 'x' must be a number, got string.",
    );
    expect(() => run.logMetric("x", 1, { step: 1.5, timestamp: 3 })).toThrow(
      "Metric step and timestamp must be integers (got 1.5, 3).",
    );
    await run.end();
    expect(metricBatchSizes()).toEqual([]);
    expect((await gyre.getRun(run.id)).data.metrics).toBeUndefined();
  });

  it("flushes buffered points when the process is about to exit", async () => {
    const sdk = ensureBuilt("packages/sdk", "packages/sdk/dist/index.js");
    const script = `
      import { Gyre } from ${JSON.stringify(sdk)};
      const gyre = new Gyre({ trackingUri: process.env.URI, metricFlushIntervalMs: 600000 });
      const run = await gyre.startRun({ experiment: "exit-flush" });
      // Fewer than a batch and a long interval: only the exit hook can send these.
      for (let step = 0; step < 700; step++) run.logMetric("m", step, { step, timestamp: 1 });
      console.log(run.id);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, URI: server.baseUrl },
    });
    const runId = stdout.trim();
    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const history = await gyre.getMetricHistory(runId, "m");
    expect(history.map((m) => m.value)).toEqual(Array.from({ length: 700 }, (_, i) => i));
    expect((await gyre.getRun(runId)).info.status).toBe("RUNNING");
  });
});
