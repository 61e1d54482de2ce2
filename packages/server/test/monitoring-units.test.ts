import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performanceOf } from "../src/monitoring/evaluation/performance.js";
import { qualityOf } from "../src/monitoring/evaluation/quality.js";
import { type HysteresisState, step, type Verdict } from "../src/monitoring/hysteresis.js";
import type { LabeledPrediction } from "../src/monitoring/store/prediction-store.js";
import { deliver, SIGNATURE_HEADER, signature } from "../src/monitoring/webhooks.js";

function prediction(outputs: Record<string, unknown>, label: LabeledPrediction["label"]): LabeledPrediction {
  return {
    request_id: "r",
    row: 0,
    timestamp: 0,
    model: "m",
    deployment: null,
    version: "1",
    arm: "primary",
    latency_ms: 1,
    inputs: {},
    outputs,
    label,
    label_time: label === null ? null : 1,
  };
}

describe("hysteresis", () => {
  const run = (verdicts: Verdict[], fireAfter: number, resolveAfter: number) => {
    let state: HysteresisState = { breaches: 0, ok: 0, firing: false };
    return verdicts.map((v) => {
      const next = step(state, v, { fire_after: fireAfter, resolve_after: resolveAfter });
      state = next.state;
      return next.action;
    });
  };

  it("fires after N breaches in a row and resolves after M OK evaluations in a row", () => {
    const B = "breach" as const;
    const O = "ok" as const;
    expect(run([B, B, B, O, O, B, O, O], 2, 2)).toEqual([
      "none",
      "fire",
      "none",
      "none",
      "resolve",
      "none",
      "none",
      "none",
    ]);
  });

  it("does not flap when a metric hovers around its threshold", () => {
    const B = "breach" as const;
    const O = "ok" as const;
    // Alternating verdicts never make 3 in a row: nothing fires.
    expect(run([B, O, B, O, B, O, B], 3, 1).every((a) => a === "none")).toBe(true);
    // Once firing, alternating OK / breach never makes 2 OK in a row: it stays firing, one alert.
    expect(run([B, O, B, O, B, O, B], 1, 2)).toEqual([
      "fire",
      "none",
      "none",
      "none",
      "none",
      "none",
      "none",
    ]);
  });

  it("evaluations without data change nothing", () => {
    expect(run(["breach", "no_data", "breach", "no_data", "ok", "no_data", "ok"], 2, 2)).toEqual([
      "none",
      "none",
      "fire",
      "none",
      "none",
      "none",
      "resolve",
    ]);
  });
});

/** `printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac key` */
const OPENSSL_HMAC = "88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342";

describe("webhook delivery", () => {
  let server: Server;
  let url: string;
  const seen: { status: number; signature: string | undefined; body: string }[] = [];
  let script: number[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (c) => {
        body += c;
      });
      request.on("end", () => {
        const status = script.shift() ?? 200;
        seen.push({ status, signature: request.headers[SIGNATURE_HEADER] as string | undefined, body });
        response.statusCode = status;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("signs the body with HMAC-SHA256 (hex, sha256= prefix)", () => {
    // Reference: printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac key
    expect(signature("key", '{"a":1}')).toBe(`sha256=${OPENSSL_HMAC}`);
  });

  it("retries 5xx and 429 with backoff, then succeeds; the signature verifies", async () => {
    seen.length = 0;
    script = [503, 429];
    const result = await deliver({ url, secret: "k" }, "alert.fired", '{"x":1}', { backoffMs: 5 });
    expect(result).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(seen.map((s) => s.status)).toEqual([503, 429, 200]);
    expect(seen.every((s) => s.signature === signature("k", '{"x":1}'))).toBe(true);
  });

  it("gives up on a 4xx at once, and after the last attempt on repeated failures", async () => {
    seen.length = 0;
    script = [404];
    expect(await deliver({ url }, "alert.fired", "{}", { backoffMs: 1 })).toMatchObject({
      ok: false,
      attempts: 1,
      status: 404,
    });
    expect(seen[0]!.signature).toBeUndefined();
    script = [500, 500, 500];
    expect(await deliver({ url }, "e", "{}", { backoffMs: 1, attempts: 3 })).toMatchObject({
      ok: false,
      attempts: 3,
      status: 500,
    });
    const unreachable = await deliver({ url: "http://127.0.0.1:1/" }, "e", "{}", {
      backoffMs: 1,
      attempts: 2,
    });
    expect(unreachable.ok).toBe(false);
    expect(unreachable.attempts).toBe(2);
    expect(unreachable.error).toBeDefined();
  });
});

describe("webhook delivery on shutdown", () => {
  it("abandons the backoff between retries when aborted", async () => {
    const closing = new AbortController();
    let tries = 0;
    const failing = (async () => {
      tries++;
      queueMicrotask(() => closing.abort());
      return new Response(null, { status: 503 });
    }) as typeof fetch;
    // A minute of backoff: only the abort can end this delivery within the test's time limit.
    const result = await deliver({ url: "http://127.0.0.1:1/" }, "e", "{}", {
      fetch: failing,
      backoffMs: 60_000,
      signal: closing.signal,
    });
    expect(tries).toBe(1);
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      status: 503,
      error: "abandoned: the server is closing",
    });
  });
});

describe("performance", () => {
  it("binary classification from a label output and P(1) scores (hand-computed)", () => {
    // y = [1, 0, 1, 1, 0], predicted [1, 1, 0, 1, 0], P(1) = [.9, .6, .4, .8, .2]
    const y = [1, 0, 1, 1, 0];
    const label = [1, 1, 0, 1, 0];
    const p = [0.9, 0.6, 0.4, 0.8, 0.2];
    const rows = y.map((v, i) => prediction({ label: [label[i]], probability: [1 - p[i]!, p[i]] }, v));
    rows.push(prediction({ label: [1], probability: [0.5, 0.5] }, null));
    const perf = performanceOf(rows, {});
    expect(perf.task).toBe("classification");
    expect(perf.rows).toBe(5);
    // TP 2, FP 1, FN 1, TN 1.
    expect(perf.metrics.accuracy).toBe(3 / 5);
    expect(perf.metrics.precision).toBe(2 / 3);
    expect(perf.metrics.recall).toBe(2 / 3);
    expect(perf.metrics.f1).toBeCloseTo(2 / 3, 15);
    // Positives .9 .4 .8 vs negatives .6 .2: 5 of 6 pairs ordered.
    expect(perf.metrics.roc_auc).toBe(5 / 6);
    const ll = -(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.8) + Math.log(0.8)) / 5;
    expect(perf.metrics.log_loss).toBeCloseTo(ll, 12);
  });

  it("multi-class string labels: macro averages, one-vs-rest AUC and log loss over sorted classes", () => {
    // classes sorted: a, b, c; probabilities in that order.
    const rows = [
      prediction({ label: "a", probability: [0.7, 0.2, 0.1] }, "a"),
      prediction({ label: "b", probability: [0.1, 0.8, 0.1] }, "b"),
      prediction({ label: "c", probability: [0.2, 0.2, 0.6] }, "b"),
      prediction({ label: "c", probability: [0.1, 0.3, 0.6] }, "c"),
    ];
    const perf = performanceOf(rows, {});
    expect(perf.metrics.accuracy).toBe(0.75);
    // per class precision a 1, b 1, c 1/2; recall a 1, b 1/2, c 1.
    expect(perf.metrics.precision).toBeCloseTo((1 + 1 + 0.5) / 3, 15);
    expect(perf.metrics.recall).toBeCloseTo((1 + 0.5 + 1) / 3, 15);
    expect(perf.metrics.f1).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3, 15);
    const ll = -(Math.log(0.7) + Math.log(0.8) + Math.log(0.2) + Math.log(0.6)) / 4;
    expect(perf.metrics.log_loss).toBeCloseTo(ll, 12);
    // OvR: a: pos .7 vs .1 .2 .1 → 1; b: pos .8 .2 vs .2 .3 → (2 + ½)/4; c: pos .6 vs .1 .1 .6 → (2 + ½)/3.
    expect(perf.metrics.roc_auc).toBeCloseTo((1 + 2.5 / 4 + 2.5 / 3) / 3, 15);
  });

  it("a single probability output: the class is P ≥ 0.5; AUC is null with one class", () => {
    const rows = [0.3, 0.7].map((p) => prediction({ probability: [p] }, 1));
    const perf = performanceOf(rows, {});
    expect(perf.metrics.accuracy).toBe(0.5);
    expect(perf.metrics.roc_auc).toBeNull();
  });

  it("regression: RMSE, MAE and R² of the prediction against the label", () => {
    const y = [3, -0.5, 2, 7];
    const yhat = [2.5, 0.0, 2, 8];
    const rows = y.map((v, i) => prediction({ variable: [yhat[i]] }, v));
    const perf = performanceOf(rows, { task: "regression" });
    // scikit-learn's documented example: MSE 0.375, MAE 0.5, R² 0.9486081370449679.
    expect(perf.metrics.rmse).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(perf.metrics.mae).toBe(0.5);
    expect(perf.metrics.r2).toBeCloseTo(0.9486081370449679, 15);
  });

  it("a class output as text and a label sent as the number are one class", () => {
    const rows = [
      prediction({ label: ["1"], probability: [0.2, 0.8] }, 1),
      prediction({ label: ["0"], probability: [0.9, 0.1] }, 0),
      prediction({ label: ["1"], probability: [0.4, 0.6] }, "0"),
      prediction({ label: ["01"], probability: [0.4, 0.6] }, 1),
    ];
    const perf = performanceOf(rows, {});
    // "01" is not the canonical text of 1, so it is its own (never-true) class: 2 of 4 right.
    expect(perf.metrics.accuracy).toBe(0.5);
    expect(performanceOf(rows.slice(0, 3), {}).metrics.accuracy).toBe(2 / 3);
  });

  it("without labels there is nothing to score", () => {
    expect(performanceOf([prediction({ label: 1 }, null)], {})).toEqual({ task: null, rows: 0, metrics: {} });
  });
});

describe("data quality", () => {
  it("missing, out-of-range and new-category rates against the reference", () => {
    const rows = [
      { age: 30, city: "Oslo" },
      { age: 130, city: "Rome" },
      { age: null, city: "Lima" },
      { age: -1, city: null },
    ];
    const quality = qualityOf(rows, ["age", "city", "extra"], {
      rows: 10,
      columns: [
        { name: "age", kind: "numeric", min: 0, max: 120 },
        { name: "city", kind: "categorical", categories: ["Oslo", "Rome"] },
      ],
    });
    const [age, city, extra] = quality.columns;
    expect(age).toMatchObject({ missing: 1, missing_rate: 0.25, out_of_range: 2, out_of_range_rate: 2 / 3 });
    expect(city).toMatchObject({
      missing: 1,
      new_category: 1,
      new_category_rate: 1 / 3,
      new_categories: ["Lima"],
    });
    expect(extra).toMatchObject({ missing: 4, unknown_column: true, out_of_range: null });
    expect(quality.missing_rate).toBe(6 / 12);
    expect(quality.out_of_range_rate).toBe(2 / 3);
    expect(quality.new_category_rate).toBe(1 / 3);
  });
});
