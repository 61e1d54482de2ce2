import { GyreError } from "@gyre/core";
import { describe, expect, it } from "vitest";
import { AdaptiveBatcher, type BatchingOptions } from "../src/runtime/batcher.js";
import { InputBatch } from "../src/runtime/input-schema.js";
import type { Prediction } from "../src/runtime/predictor.js";

/** A batch of `rows` rows whose single value is `tag` (so results can be traced back). */
const batch = (tag: number, rows = 1) =>
  new InputBatch(rows, [Float32Array.from({ length: rows }, () => tag)], [[]]);

/** A fake model: records each run's rows and answers every row with its tag × 10. */
function fakeModel(options: BatchingOptions = {}, fail?: (tags: number[]) => boolean) {
  const runs: number[][] = [];
  const batcher = new AdaptiveBatcher(
    "fake",
    async (batches) => {
      const tags = batches.flatMap((b) => Array.from(b.data[0] as Float32Array));
      runs.push(tags);
      if (fail?.(tags)) throw new GyreError("INTERNAL_ERROR", `bad batch ${tags.join(",")}`);
      return batches.map(
        (b): Prediction => ({
          rows: b.rows,
          outputs: [
            {
              name: "y",
              type: "float32",
              shape: [b.rows],
              data: (b.data[0] as Float32Array).map((v) => v * 10),
            },
          ],
        }),
      );
    },
    options,
  );
  const predict = async (tag: number, rows = 1) =>
    Array.from((await batcher.submit(batch(tag, rows))).outputs[0]!.data as Float32Array);
  return { batcher, runs, predict };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("adaptive batcher", () => {
  it("runs everything submitted in one turn as one run and routes each result back", async () => {
    const { batcher, runs, predict } = fakeModel();
    const results = await Promise.all([1, 2, 3, 4, 5].map((t) => predict(t)));
    expect(results).toEqual([[10], [20], [30], [40], [50]]);
    expect(runs).toEqual([[1, 2, 3, 4, 5]]);
    expect(batcher.stats).toEqual({ runs: 1, requests: 5, rows: 5, rejected: 0 });
  });

  it("queues arrivals while a run is in flight and takes them all in the next run", async () => {
    const { runs, predict } = fakeModel();
    const first = predict(1);
    await nextTurn(); // the run of [1] starts
    const later = [2, 3, 4].map((t) => predict(t));
    expect(await Promise.all([first, ...later])).toEqual([[10], [20], [30], [40]]);
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });

  it("caps the rows of a run; a request larger than the cap runs alone", async () => {
    const { runs, predict } = fakeModel({ maxBatchRows: 3 });
    await Promise.all([predict(1), predict(2), predict(3, 2), predict(4, 5), predict(5)]);
    expect(runs).toEqual([[1, 2], [3, 3], [4, 4, 4, 4, 4], [5]]);
  });

  it("refuses requests past the queue limit with TEMPORARILY_UNAVAILABLE", async () => {
    const { batcher, predict } = fakeModel({ maxQueueRows: 3 });
    const outcomes = await Promise.allSettled([predict(1), predict(2, 2), predict(3), predict(4)]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
    const error = (outcomes[2] as PromiseRejectedResult).reason as GyreError;
    expect([error.code, error.status, error.message]).toEqual([
      "TEMPORARILY_UNAVAILABLE",
      503,
      "Model fake is overloaded: 3 rows are queued (limit 3). Retry later.",
    ]);
    expect(batcher.stats.rejected).toBe(2);
    // Once drained, the queue accepts again.
    expect(await predict(6)).toEqual([60]);
  });

  it("waits the configured extra turns for more rows", async () => {
    const { runs, predict } = fakeModel({ extraWaitTurns: 2 });
    const results = [predict(1)];
    await nextTurn();
    results.push(predict(2));
    await Promise.all(results);
    expect(runs).toEqual([[1, 2]]);

    const eager = fakeModel();
    const eagerResults = [eager.predict(1)];
    await nextTurn();
    eagerResults.push(eager.predict(2));
    await Promise.all(eagerResults);
    expect(eager.runs).toEqual([[1], [2]]);
  });

  it("reruns a failed batch request by request, so only the bad request fails", async () => {
    const { runs, predict } = fakeModel({}, (tags) => tags.includes(13));
    const outcomes = await Promise.allSettled([predict(1), predict(13), predict(3)]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : (o.reason as Error).message))).toEqual([
      [10],
      "bad batch 13",
      [30],
    ]);
    expect(runs).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it("never joins batches the model says cannot share a run", async () => {
    const runs: number[] = [];
    const batcher = new AdaptiveBatcher(
      "solo",
      async (batches) => {
        runs.push(batches.length);
        return batches.map((b) => ({ rows: b.rows, outputs: [] }));
      },
      { canJoin: () => false },
    );
    await Promise.all([1, 2, 3].map((t) => batcher.submit(batch(t))));
    expect(runs).toEqual([1, 1, 1]);
  });

  it("drain resolves once queued work is done", async () => {
    const { batcher, predict } = fakeModel();
    const pending = [predict(1), predict(2)];
    let drained = false;
    const drain = batcher.drain().then(() => {
      drained = true;
    });
    expect(drained).toBe(false);
    await Promise.all(pending);
    await drain;
    expect(drained).toBe(true);
  });
});
