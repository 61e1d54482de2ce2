import { describe, expect, it } from "vitest";
import {
  buildServingApp,
  DeploymentRegistry,
  MetricsRegistry,
  type MetricsSnapshot,
  mergeSnapshots,
  PredictionLog,
  type PredictionSink,
  renderSnapshot,
  ServingMetrics,
  ServingTelemetry,
} from "../src/index.js";
import { call } from "./support/served.js";
import { deploy, VersionDirs, v2Body } from "./support/versions.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

/** A strict reader of the text format: every line is a comment, blank, or `name{labels} value`. */
function parseExposition(text: string): Exposition {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      (comment[1] === "HELP" ? help : type).set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const pairs = sample[2] ?? "";
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    let match = label.exec(pairs);
    while (match) {
      labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      if (match[3] === "") break;
      match = label.exec(pairs);
    }
    expect(label.lastIndex).toBe(pairs.length);
    const raw = sample[3]!;
    const value = raw === "+Inf" ? Number.POSITIVE_INFINITY : raw === "NaN" ? Number.NaN : Number(raw);
    expect(Number.isNaN(value) && raw !== "NaN").toBe(false);
    samples.push({ name: sample[1]!, labels, value });
  }
  // Every sample belongs to a family that has HELP and TYPE.
  for (const s of samples) {
    const family = s.name.replace(/_(bucket|sum|count)$/, "");
    expect(type.has(s.name) || type.get(family) === "histogram").toBe(true);
    expect(help.has(s.name) || help.has(family)).toBe(true);
  }
  return { help, type, samples };
}

function value(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return exposition.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

const nullSink: PredictionSink = { write: async () => undefined, close: async () => undefined };

describe("/metrics", () => {
  it("exposes request, error, latency, batch, queue and prediction-log figures in Prometheus text", async () => {
    const dirs = await VersionDirs.create();
    const metrics = new ServingMetrics();
    const log = new PredictionLog(nullSink, { capacity: 1 });
    metrics.watchPredictionLog(log);
    const deployment = await deploy(
      dirs,
      {
        arms: [
          { version: "1", weight: 1 },
          { version: "2", weight: 0 },
        ],
      },
      { observer: metrics },
    );
    const registry = new DeploymentRegistry();
    registry.add(deployment);
    const app = await buildServingApp({
      models: registry,
      observer: new ServingTelemetry(metrics, log),
      metrics,
    });
    try {
      // 5 concurrent V2 requests (one batch of up to 5 rows), 2 by MLflow, 1 by V1, 1 bad, 1 unknown.
      await Promise.all(
        Array.from({ length: 5 }, () => call(app, "POST", "/v2/models/churn/infer", v2Body())),
      );
      await call(app, "POST", "/invocations", { inputs: [new Array(20).fill(0)] });
      await call(app, "POST", "/invocations", { inputs: [new Array(20).fill(0), new Array(20).fill(1)] });
      await call(app, "POST", "/v1/models/churn:predict", { instances: [new Array(20).fill(0)] });
      await call(app, "POST", "/v2/models/churn/infer", {
        inputs: [{ name: "nope", shape: [1], datatype: "FP32", data: [1] }],
      });
      await call(app, "POST", "/v2/models/elsewhere/infer", v2Body());
      await call(app, "POST", "/v2/models/churn/versions/2/infer", v2Body());

      const response = await app.inject({ method: "GET", url: "/metrics" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
      const m = parseExposition(response.body);

      expect(m.type.get("gyre_serving_requests_total")).toBe("counter");
      expect(m.type.get("gyre_serving_request_duration_seconds")).toBe("histogram");
      const primary = { model: "churn", version: "1", arm: "primary" };
      expect(value(m, "gyre_serving_requests_total", { ...primary, protocol: "v2" })).toBe(6);
      expect(value(m, "gyre_serving_requests_total", { ...primary, protocol: "mlflow" })).toBe(2);
      expect(value(m, "gyre_serving_requests_total", { ...primary, protocol: "v1" })).toBe(1);
      expect(value(m, "gyre_serving_requests_total", { model: "churn", version: "2", arm: "canary" })).toBe(
        1,
      );
      expect(value(m, "gyre_serving_errors_total", { ...primary, protocol: "v2", status: "400" })).toBe(1);
      // An unknown model is counted without a model label (names from requests never become labels).
      expect(value(m, "gyre_serving_errors_total", { model: "", protocol: "v2", status: "404" })).toBe(1);

      // Histograms: cumulative buckets ending in +Inf = count, and a sum.
      const buckets = m.samples.filter(
        (s) => s.name === "gyre_serving_request_duration_seconds_bucket" && s.labels.version === "1",
      );
      expect(buckets.at(-1)!.labels.le).toBe("+Inf");
      expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b));
      expect(buckets.at(-1)!.value).toBe(9);
      expect(value(m, "gyre_serving_request_duration_seconds_count", primary)).toBe(9);
      expect(value(m, "gyre_serving_request_duration_seconds_sum", primary)).toBeGreaterThan(0);

      // Rows per run: 9 rows through version 1 in fewer than 8 runs (the 5 concurrent ones shared).
      const rows = value(m, "gyre_serving_batch_rows_sum", { model: "churn", version: "1" })!;
      const runs = value(m, "gyre_serving_batch_rows_count", { model: "churn", version: "1" })!;
      expect(rows).toBe(9);
      expect(runs).toBeLessThan(8);
      expect(value(m, "gyre_serving_queue_rows", { model: "churn", version: "1" })).toBe(0);
      expect(value(m, "gyre_serving_arm_share", { model: "churn", version: "1", arm: "primary" })).toBe(1);
      expect(value(m, "gyre_serving_arm_share", { model: "churn", version: "2", arm: "canary" })).toBe(0);
      expect(value(m, "gyre_serving_deployment_changes_total", { model: "churn", outcome: "applied" })).toBe(
        1,
      );

      // The log holds one entry at a time and nothing flushes it within these requests.
      const dropped = value(m, "gyre_prediction_log_dropped_total")!;
      expect(dropped).toBe(log.stats.dropped);
      expect(dropped).toBeGreaterThan(0);
      expect(value(m, "gyre_prediction_log_written_total")).toBe(log.stats.written);
    } finally {
      await app.close();
      await deployment.close();
      await log.close();
      await dirs.dispose();
    }
  });

  it("escapes label values and help text, and merges snapshots of several processes", () => {
    const a = new MetricsRegistry();
    const counter = a.counter("t_total", "Help with a \\ and a\nnewline", ["name"]);
    counter.inc(['we"ird\\na\nme'], 2);
    const histogram = a.histogram("h_seconds", "A histogram.", [], [0.1, 1]);
    histogram.observe([], 0.05);
    histogram.observe([], 5);
    a.collected("g", "A gauge.", "gauge", [], () => [[[], 3]]);
    a.collected("share", "A setting.", "gauge", [], () => [[[], 0.5]], "max");
    expect(a.render()).toBe(
      [
        "# HELP t_total Help with a \\\\ and a\\nnewline",
        "# TYPE t_total counter",
        't_total{name="we\\"ird\\\\na\\nme"} 2',
        "# HELP h_seconds A histogram.",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="0.1"} 1',
        'h_seconds_bucket{le="1"} 1',
        'h_seconds_bucket{le="+Inf"} 2',
        "h_seconds_sum 5.05",
        "h_seconds_count 2",
        "# HELP g A gauge.",
        "# TYPE g gauge",
        "g 3",
        "# HELP share A setting.",
        "# TYPE share gauge",
        "share 0.5",
        "",
      ].join("\n"),
    );
    const parsed = parseExposition(a.render());
    expect(parsed.samples[0]!.labels.name).toBe('we"ird\\na\nme');

    const snapshot: MetricsSnapshot = JSON.parse(JSON.stringify(a.snapshot()));
    const merged = parseExposition(renderSnapshot(mergeSnapshots([snapshot, snapshot])));
    expect(value(merged, "t_total")).toBe(4);
    expect(value(merged, "h_seconds_bucket", { le: "+Inf" })).toBe(4);
    expect(value(merged, "h_seconds_sum")).toBeCloseTo(10.1);
    expect(value(merged, "g")).toBe(6);
    expect(value(merged, "share")).toBe(0.5);
  });
});
