import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeModelDir } from "../../serving/src/index.js";
import { COLUMN_SIGNATURE, FEATURES, onnx, sigmoid } from "../../serving/test/support/models.js";
import { versionGraph } from "../../serving/test/support/versions.js";
import { type Gyre, SIGNATURE_HEADER } from "../src/index.js";
import { signature } from "../src/monitoring/webhooks.js";
import { callJson, type ScratchStore } from "../src/testing/index.js";
import { registerModelDir, startServingGyre } from "./monitoring-support.js";
import { availableBackends } from "./support/backends.js";

/**
 * The loop end to end, on every backend (SQLite + Parquet prediction store; PostgreSQL for both,
 * the prediction store defaulting to the metadata database):
 * a registered ONNX model whose source run trained on a registered dataset is deployed with a
 * shadow; predictions go through the server's named deployment into the prediction store; labels
 * arrive later (one corrected: last write wins); a monitor with a hysteresis of two breaches
 * fires an alert, delivered to a local webhook (retried once, signature checked) and to an
 * in-process callback; corrected labels resolve it.
 *
 * Model versions differ only in their bias (version v has bias v − 1); inputs are zero but x18,
 * whose weight is 1, so version 1 answers P = σ(t) and the shadow (version 2) σ(t + 1).
 */
const backends = await availableBackends();
const M = "/api/2.0/gyre/monitoring";
const T = [-2, -1, -0.5, 0.5, 1, 2, 3, -3];
const LABELS = [0, 1, 0, 1, 0, 1, 1, 0];
const SECRET = "s3cret";

interface Hook {
  server: Server;
  url: string;
  received: { headers: IncomingMessage["headers"]; body: string }[];
  /** Statuses to answer, in order; 200 once exhausted. */
  script: number[];
}

async function startHook(): Promise<Hook> {
  const hook: Hook = { server: createServer(), url: "", received: [], script: [] };
  hook.server.on("request", (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      hook.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.statusCode = hook.script.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => hook.server.listen(0, "127.0.0.1", resolve));
  const address = hook.server.address();
  hook.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
  return hook;
}

function row(t: number): number[] {
  return FEATURES.map((_, i) => (i === 18 ? t : 0));
}

describe.each(backends)("monitoring end to end on $name", (backend) => {
  let store: ScratchStore;
  let gyre: Gyre;
  let baseUrl: string;
  let hook: Hook;
  let dataDir: string;
  const requestIds: string[] = [];
  const events: string[] = [];

  const call = (method: string, path: string, payload?: Record<string, unknown>) =>
    callJson(baseUrl, method, path, payload, { "x-gyre-user": "alice" });
  const ok = async (method: string, path: string, payload?: Record<string, unknown>) => {
    const answer = await call(method, path, payload);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };

  const registerVersion = async (version: string, runId: string) => {
    const dir = await mkdtemp(join(tmpdir(), "gyre-mon-model-"));
    await writeModelDir(dir, { onnxBytes: onnx(versionGraph(version)), signature: COLUMN_SIGNATURE });
    await registerModelDir(baseUrl, "churn", version, dir, runId);
    await rm(dir, { recursive: true, force: true });
  };

  beforeAll(async () => {
    store = await backend.create();
    hook = await startHook();
    ({ gyre, url: baseUrl } = await startServingGyre(store));
    gyre.monitoring.onAlert((e) => {
      events.push(`${e.event}:${e.alert.id}`);
    });

    // The training data: x18 from -2 to 2, everything else 0.
    dataDir = await mkdtemp(join(tmpdir(), "gyre-mon-data-"));
    const lines = [[...FEATURES, "label"].join(",")];
    for (const t of [-2, -1, 0, 1, 2, -2, -1, 0, 1, 2]) lines.push([...row(t), t > 0 ? 1 : 0].join(","));
    await writeFile(join(dataDir, "train.csv"), `${lines.join("\n")}\n`);
    const dataset = await ok("POST", "/api/2.0/gyre/datasets/register", {
      name: "churn-train",
      path: join(dataDir, "train.csv"),
    });
    expect(dataset.dataset_version.version).toBe(1);
    const run = await ok("POST", "/api/2.0/mlflow/runs/create", { experiment_id: "0" });
    const runId = run.run.info.run_id as string;
    await ok("POST", "/api/2.0/mlflow/runs/log-inputs", {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: "mlflow.data.context", value: "training" }],
          dataset: {
            name: "churn-train",
            digest: dataset.dataset_version.digest,
            source_type: "gyre",
            source: JSON.stringify({ uri: "datasets:/churn-train/1" }),
          },
        },
      ],
    });
    await ok("POST", "/api/2.0/mlflow/registered-models/create", { name: "churn" });
    await registerVersion("1", runId);
    await registerVersion("2", runId);
    await ok("POST", "/api/2.0/gyre/deployments/create", {
      name: "churn-prod",
      spec: {
        arms: [{ model_uri: "models:/churn/1", weight: 1 }],
        shadows: [{ model_uri: "models:/churn/2", percent: 100 }],
      },
    });
    for (const t of T) {
      const answer = await fetch(`${baseUrl}/serving/churn-prod/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataframe_split: { columns: FEATURES, data: [row(t)] } }),
      });
      expect(answer.status).toBe(200);
      requestIds.push(answer.headers.get("x-request-id")!);
    }
    // One request that does not fit the signature (x19 missing): a 400, counted as a violation.
    const bad = await fetch(`${baseUrl}/serving/churn-prod/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        dataframe_split: { columns: FEATURES.slice(0, 19), data: [row(0).slice(0, 19)] },
      }),
    });
    expect(bad.status).toBe(400);
  });

  afterAll(async () => {
    await gyre?.close();
    await new Promise((resolve) => hook?.server.close(resolve));
    await store?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("logs the deployment's predictions (shadow included) with model, version and arm", async () => {
    expect(gyre.monitoring.store.description).toMatch(
      backend.name === "postgres" ? /^postgresql:/ : /^parquet:/,
    );
    await gyre.monitoring.flush();
    const { predictions } = await ok("GET", `${M}/predictions`, { deployment: "churn-prod" });
    expect(predictions).toHaveLength(16);
    const primary = predictions.filter((p: { arm: string }) => p.arm === "primary");
    expect(primary.map((p: { request_id: string }) => p.request_id).sort()).toEqual([...requestIds].sort());
    expect(primary[0]).toMatchObject({ model: "churn", deployment: "churn-prod", version: "1", row: 0 });
    expect(primary[0].inputs.x18).toBe(-2);
    expect(primary[0].outputs.probability[0]).toBeCloseTo(sigmoid(-2), 6);
    const shadow = predictions.find((p: { arm: string }) => p.arm === "shadow");
    expect(shadow).toMatchObject({ version: "2", model: "churn" });
  });

  it("rejects bad labels naming the field, and stores good ones", async () => {
    const bad = await call("POST", `${M}/labels`, { labels: [{ request_id: "x", value: { no: 1 } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(bad.body.message).toContain("labels");
    const nul = await call("POST", `${M}/labels`, { labels: [{ request_id: "a\u0000b", value: 1 }] });
    expect(nul.status).toBe(400);
    expect(nul.body.message).toContain("NUL");
    // The first label of request 1 is wrong; it is corrected later (last write wins).
    const first = await ok("POST", `${M}/labels`, {
      labels: requestIds.map((id, i) => ({ request_id: id, value: LABELS[i] })),
    });
    expect(first.stored).toBe(8);
  });

  it("a monitor with hysteresis fires on the second breach, with exact metrics, reports and a signed webhook", async () => {
    const missing = await call("POST", `${M}/monitors/create`, {
      name: "nope",
      spec: { target: { model: "missing-model" } },
    });
    expect(missing.status).toBe(404);
    const badCron = await call("POST", `${M}/monitors/create`, {
      name: "nope",
      spec: { target: { deployment: "churn-prod" }, schedule: "every day" },
    });
    expect(badCron.status).toBe(400);
    expect(badCron.body.message).toContain("spec.schedule");

    const created = await ok("POST", `${M}/monitors/create`, {
      name: "churn-quality",
      spec: {
        target: { deployment: "churn-prod" },
        schedule: "*/5 * * * *",
        window_seconds: 3600,
        thresholds: [
          { metric: "accuracy", min: 0.9 },
          { metric: "signature_violations", max: 5 },
        ],
        alert: { fire_after: 2, resolve_after: 1 },
        webhooks: [{ url: hook.url, secret: SECRET }],
      },
    });
    expect(created.monitor.spec.webhooks[0].secret).toBe("***");
    expect(created.monitor.next_run_timestamp).toBeGreaterThan(Date.now() - 1000);
    hook.script = [500];

    const end = Date.now() + 60_000;
    const first = (await ok("POST", `${M}/monitors/run`, { name: "churn-quality", window_end: end }))
      .evaluation;
    expect(first.number).toBe(1);
    expect(first.status).toBe("breach");
    expect(first.alert_id).toBeUndefined();
    const v = first.values;
    // Version 1 predicts 1 for t ≥ 0: TP 3, FP 1, FN 1, TN 3.
    expect(v.prediction_count).toBe(8);
    expect(v.labeled_count).toBe(8);
    expect(v.accuracy).toBe(0.75);
    expect(v.precision).toBe(0.75);
    expect(v.recall).toBe(0.75);
    expect(v.f1).toBe(0.75);
    // 13 of the 16 (positive, negative) pairs are ordered correctly.
    expect(v.roc_auc).toBe(13 / 16);
    const expectedLogLoss =
      -T.reduce((sum, t, i) => sum + Math.log(LABELS[i] === 1 ? sigmoid(t) : 1 - sigmoid(t)), 0) / T.length;
    expect(v.log_loss).toBeCloseTo(expectedLogLoss, 6);
    expect(v.rmse).toBeNull();
    // x18 = ±3 lies outside the training range [-2, 2]: 2 of 160 values.
    expect(v.out_of_range_rate).toBe(2 / 160);
    expect(v.missing_rate).toBe(0);
    expect(v.signature_violations).toBe(1);
    expect(v.error_rate).toBe(1 / 9);
    expect(v.latency_p50_ms).toBeGreaterThan(0);
    expect(v.drift_share).toBeGreaterThanOrEqual(0);
    expect(first.breaches).toEqual([{ metric: "accuracy", value: 0.75, min: 0.9 }]);

    const second = (await ok("POST", `${M}/monitors/run`, { name: "churn-quality", window_end: end }))
      .evaluation;
    expect(second.number).toBe(2);
    expect(second.alert_id).toBeGreaterThan(0);
    await gyre.monitoring.idle();
    expect(events).toEqual([`alert.fired:${second.alert_id}`]);
    // The first delivery got a 500 and was retried: two identical, signed deliveries.
    expect(hook.received).toHaveLength(2);
    const delivered = hook.received[1]!;
    expect(delivered.headers[SIGNATURE_HEADER]).toBe(signature(SECRET, delivered.body));
    expect(hook.received[0]!.headers["x-gyre-delivery"]).toBe(delivered.headers["x-gyre-delivery"]);
    const body = JSON.parse(delivered.body);
    expect(body).toMatchObject({
      event: "alert.fired",
      monitor: "churn-quality",
      alert: { state: "firing" },
    });

    // The report: JSON and self-contained HTML, canary/shadow comparable per version and arm.
    const report = await ok("GET", `${M}/monitors/report`, { name: "churn-quality", format: "html" });
    expect(report.evaluation.number).toBe(2);
    expect(report.report.details.reference).toEqual({ name: "churn-train@1", rows: 10 });
    const x18 = report.report.details.drift.columns.find((c: { name: string }) => c.name === "x18");
    expect(x18).toMatchObject({ reference_rows: 10, current_rows: 8 });
    expect(["ks", "chisquare", "z", "wasserstein", "jensenshannon"]).toContain(x18.method);
    const byVersion = report.report.details.performance.by_version;
    expect(byVersion.map((g: { version: string; arm: string }) => `${g.version}/${g.arm}`)).toEqual([
      "1/primary",
      "2/shadow",
    ]);
    // The shadow (bias +1) predicts 1 for t ≥ −1: 6 of 8 right.
    expect(byVersion[1].metrics.accuracy).toBe(0.75);
    const operations = report.report.details.operations.by_version;
    expect(operations[0]).toMatchObject({ version: "1", arm: "primary", requests: 8, counted_requests: 9 });
    expect(operations[0].error_rate).toBe(1 / 9);
    expect(operations[0].throughput_rps).toBe(8 / 3600);
    expect(report.html).toMatch(/^<!doctype html>/i);
    // Drift per feature with its distribution plot.
    expect(report.html).toContain("x18");
    expect(report.html).toContain("<svg");
    // No script and nothing fetched: the only links are anchors within the page.
    expect(report.html).not.toMatch(/<script|src=|href="(?!#)/);
    expect(report.html.length).toBeLessThan(1_000_000);
    expect(report.artifact_uri).toBe("mlflow-artifacts:/monitoring/reports/churn-quality/2");
    const firstReport = await ok("GET", `${M}/monitors/report`, { name: "churn-quality", evaluation: "1" });
    expect(firstReport.report.status).toBe("breach");
  });

  it("corrected labels (last write wins) resolve the alert; alerts can be acknowledged and polled by id", async () => {
    await ok("POST", `${M}/labels`, {
      labels: [
        { request_id: requestIds[1], value: 0 },
        { request_id: requestIds[4], value: 1 },
      ],
    });
    hook.script = [];
    const third = (
      await ok("POST", `${M}/monitors/run`, { name: "churn-quality", window_end: Date.now() + 60_000 })
    ).evaluation;
    expect(third.status).toBe("ok");
    expect(third.values.accuracy).toBe(1);
    await gyre.monitoring.idle();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatch(/^alert\.resolved:/);
    expect(JSON.parse(hook.received.at(-1)!.body).event).toBe("alert.resolved");

    const { alerts } = await ok("GET", `${M}/alerts`, { monitor: "churn-quality" });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: "resolved", monitor_name: "churn-quality" });
    expect(alerts[0].resolved_at).toBeGreaterThanOrEqual(alerts[0].fired_at);
    const acked = await ok("POST", `${M}/alerts/acknowledge`, { id: alerts[0].id });
    expect(acked.alert.acknowledged_by).toBe("alice");
    expect((await call("POST", `${M}/alerts/acknowledge`, { id: 999999 })).status).toBe(404);
    const after = await ok("GET", `${M}/alerts`, { after_id: String(alerts[0].id - 1) });
    expect(after.alerts.map((a: { id: number }) => a.id)).toEqual([alerts[0].id]);
    expect((await ok("GET", `${M}/alerts`, { after_id: String(alerts[0].id) })).alerts).toEqual([]);

    const series = await ok("GET", `${M}/monitors/evaluations`, { name: "churn-quality" });
    expect(series.evaluations.map((e: { status: string }) => e.status)).toEqual(["breach", "breach", "ok"]);
    const monitor = (await ok("GET", `${M}/monitors/get`, { name: "churn-quality" })).monitor;
    expect(monitor).toMatchObject({ evaluations: 3, consecutive_breaches: 0, consecutive_ok: 1 });
    expect(monitor.open_alert_id).toBeUndefined();
  });

  it("drift covers predictions and labels: against the training target and against a production window", async () => {
    const end = Date.now() + 60_000;
    await ok("POST", `${M}/monitors/create`, {
      name: "with-target",
      spec: { target: { deployment: "churn-prod" }, drift: { target_column: "label" } },
    });
    await ok("POST", `${M}/monitors/run`, { name: "with-target", window_end: end });
    const training = (await ok("GET", `${M}/monitors/report`, { name: "with-target" })).report.details.drift;
    const tested = training.columns.map((c: { name: string }) => c.name);
    expect(tested).toEqual(expect.arrayContaining(["x18", "prediction", "label"]));
    const label = training.columns.find((c: { name: string }) => c.name === "label");
    expect(label).toMatchObject({ reference_rows: 10, current_rows: 8 });

    // The same traffic as its own reference: nothing drifts, inputs, predictions and labels alike.
    await ok("POST", `${M}/monitors/create`, {
      name: "vs-window",
      spec: {
        target: { deployment: "churn-prod" },
        reference: { kind: "window", start: end - 3_600_000, end },
      },
    });
    const run = (await ok("POST", `${M}/monitors/run`, { name: "vs-window", window_end: end })).evaluation;
    expect(run.values.drift_share).toBe(0);
    const own = (await ok("GET", `${M}/monitors/report`, { name: "vs-window" })).report.details;
    expect(own.reference.rows).toBe(8);
    expect(own.drift.columns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(["x18", "prediction", "label"]),
    );
    await ok("POST", `${M}/monitors/delete`, { name: "with-target" });
    await ok("POST", `${M}/monitors/delete`, { name: "vs-window" });
  });

  it("scheduled runs are claimed once and evaluate the window ending at their time", async () => {
    await ok("POST", `${M}/monitors/create`, {
      name: "scheduled",
      spec: { target: { model: "churn" }, schedule: "* * * * *", window_seconds: 60 },
    });
    // Make it due now, then run the scheduler's pass twice: one evaluation.
    const due = Date.now() - 1000;
    await gyre.database.db
      .withTables<{ monitors: { name: string; next_run_time: number | null } }>()
      .updateTable("monitors")
      .set({ next_run_time: due })
      .where("name", "=", "scheduled")
      .execute();
    await gyre.monitoring.runDue();
    await gyre.monitoring.runDue();
    const { evaluations } = await ok("GET", `${M}/monitors/evaluations`, { name: "scheduled" });
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0].window_end).toBe(due);
    expect(evaluations[0].window_start).toBe(due - 60_000);
    const monitor = (await ok("GET", `${M}/monitors/get`, { name: "scheduled" })).monitor;
    expect(monitor.next_run_timestamp).toBeGreaterThan(Date.now() - 1000);
    await ok("POST", `${M}/monitors/delete`, { name: "scheduled" });
    expect((await call("GET", `${M}/monitors/get`, { name: "scheduled" })).status).toBe(404);
  });
});
