// The closed loop as one readable script — what `gyre demo` does, against a running server:
// a feature view, the continuous-training pipeline (your training code + `gyre test` as the gate),
// a served deployment, weekly traffic with delayed labels, a monitor whose alert fires the same
// pipeline again, and the canary it deploys promoted (or rolled back) on online metrics.
//
// Start the server first (`npm start`, or `npx gyre server`), then:
//   node examples/continuous-training.mjs
//
// Data: vega-datasets' flights-3m.parquet (BSD-3-Clause), one flight in 80, shifted on purpose from
// April 2001 (see packages/cli/src/commands/demo-data.ts). Takes about two minutes.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
// The data preparation of `gyre demo` (DuckDB over the parquet file, the seeded shift).
import { DEMO_FEATURES as FEATURES, FlightData } from "@gyre/cli/dist/commands/demo-data.js";
import { features } from "@gyre/core";
import {
  categoricalColumn,
  crossValidationObjective,
  frameOf,
  HistGradientBoostingClassifier,
  int,
  logUniform,
  numericColumn,
  ordEncoding,
  Pipeline,
  scorers,
  toModelDir,
  tune,
} from "@gyre/ml";
import { continuousTraining, runPipeline } from "@gyre/pipelines";
import { Gyre, MonitoringClient, PipelinesClient } from "@gyre/sdk";

const GYRE = fileURLToPath(new URL("../packages/cli/bin/gyre.js", import.meta.url));
const TRACKING_URI = process.env.GYRE_TRACKING_URI ?? "http://127.0.0.1:5000";
const MODEL = "flight-delay-example";
const WEEK = 7 * 86_400_000;

// ---- Your code: the two hooks the template takes ---------------------------------------------

/** Training: tune a gradient-boosted classifier on the joined table, export it to ONNX. */
async function train({ files, target, trials, dir, run, log }) {
  const duckdb = await (await DuckDBInstance.create()).connect();
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
  const columns = (
    await duckdb.runAndReadAll(`SELECT ${[...FEATURES, target].join(", ")} FROM read_parquet([${list}])`)
  ).getColumnsObjectJS();
  const frame = frameOf(
    FEATURES.map((name) =>
      typeof columns[name].find((v) => v !== null) === "string"
        ? categoricalColumn(name, columns[name])
        : numericColumn(
            name,
            columns[name].map((v) => (v === null ? null : Number(v))),
          ),
    ),
  );
  const y = { codes: Int32Array.from(columns[target], Number), classes: ["0", "1"] };
  const build = (p) =>
    new Pipeline(
      ordEncoding(),
      new HistGradientBoostingClassifier({ ...p, maxIter: 80, earlyStopping: false }),
    );
  const result = await tune({
    space: { learningRate: logUniform(0.03, 0.3), maxLeafNodes: int(7, 63), minSamplesLeaf: int(10, 80) },
    objective: crossValidationObjective(build, frame, y, scorers.logLoss, { folds: 3 }),
    direction: "minimize",
    trials,
    logger: { startTrial: (params, t) => run.startChildRun({ name: `trial-${t.number}`, params }) },
  });
  log(`best cv log loss ${result.bestValue.toFixed(4)} with ${JSON.stringify(result.bestParams)}`);
  await toModelDir(build(result.bestParams).fit(frame, y), dir, { inputExample: frame });
  return { metrics: { best_cv_log_loss: result.bestValue } };
}

/** The gate: `gyre test`, exactly as a CI job would run it (exit 1 = a threshold failed). */
async function evaluate({ candidate, champion, holdout, target, thresholds, log }) {
  const file = join(mkdtempSync(join(tmpdir(), "gate-")), "thresholds.json");
  writeFileSync(file, JSON.stringify(thresholds));
  const args = [
    GYRE,
    "test",
    candidate,
    "--data",
    holdout,
    "--target",
    target,
    "--thresholds",
    file,
    "--json",
  ];
  if (champion) args.push("--against", champion);
  const { stdout } = await promisify(execFile)(process.execPath, [
    ...args,
    "--tracking-uri",
    TRACKING_URI,
  ]).catch((failed) => (failed.code === 1 && failed.stdout ? failed : Promise.reject(failed)));
  const report = JSON.parse(stdout);
  log(`gyre test: ${report.passed ? "passed" : "failed"}`);
  return {
    passed: report.passed,
    checks: report.checks,
    challenger: report.challenger,
    champion: report.champion ?? undefined,
  };
}

// The pipeline, exported so that the trigger (and `gyre pipelines run`) can import this module.
export const retrain = continuousTraining({ train, evaluate }, "flight-delay-example-ct");

// ---- The loop ----------------------------------------------------------------------------------

async function main() {
  const gyre = new Gyre({ trackingUri: TRACKING_URI });
  const monitoringApi = new MonitoringClient(gyre.client);
  const pipelinesApi = new PipelinesClient(gyre.client);
  const flights = await FlightData.open(mkdtempSync(join(tmpdir(), "flights-")), { sampleEvery: 80 });

  // 1. Features: airport statistics of the previous day, one feature view, one feature service.
  await gyre.client.call(features.applyFeatures, {
    repository: {
      entities: [{ name: "airport", join_keys: [{ name: "origin", type: "string" }] }],
      sources: [{ name: "airport_daily_source", path: flights.airportStats }],
      feature_views: [
        {
          name: "airport_daily",
          entities: ["airport"],
          source: "airport_daily_source",
          ttl_seconds: 7 * 86_400,
          features: [
            { name: "origin_late_share", type: "float64" },
            { name: "origin_mean_delay", type: "float64" },
          ],
        },
      ],
      feature_services: [
        {
          name: "flight_delay",
          features: ["airport_daily:origin_late_share", "airport_daily:origin_mean_delay"],
        },
      ],
    },
  });

  // Labelled flights of a time window, registered as a dataset version.
  const register = async (name, from, to) => {
    const window = await flights.window(`${name}-${from}`, from, to);
    return (await gyre.registerDataset(window.path, { name, transfer: "path" })).uri;
  };
  const params = (dataset, holdout) => ({
    dataset,
    holdout,
    feature_service: "flight_delay",
    target: "late",
    model_name: MODEL,
    trials: 3,
    thresholds: {
      roc_auc: { max_drop: 0.002 },
      log_loss: { max_increase: 0.01 },
      latency_p99_ms: { max: 100 },
    },
    deployment: MODEL,
    online_metric: "log_loss",
    online_min_labels: 100,
  });
  const module = fileURLToPath(import.meta.url);

  // 2. The first model: the same pipeline, with no champion to beat it is promoted at once.
  const first = await runPipeline(retrain, {
    trackingUri: TRACKING_URI,
    params: params(
      await register("example-train", "2001-01-04", "2001-01-25"),
      await register("example-holdout", "2001-01-25", "2001-02-01"),
    ),
    module,
  });
  console.log(`first model: pipeline run ${first.id} ${first.status}`);

  // 3. Watch the deployment; an alert of this monitor fires the pipeline again.
  await monitoringApi.createMonitor(`${MODEL}-weekly`, {
    target: { deployment: MODEL },
    window_seconds: 2,
    thresholds: [{ metric: "accuracy", min: 0.7 }],
    alert: { fire_after: 2, resolve_after: 2 },
  });
  await pipelinesApi.createTrigger({
    name: `${MODEL}-on-alert`,
    pipeline: retrain.name,
    module,
    spec: { kind: "alert", monitor: `${MODEL}-weekly` },
    params: {},
  });

  // 4. Replay February–June a week at a time: predictions through the deployment, then the labels.
  let running;
  for (
    let start = Date.parse("2001-02-01"), week = 0;
    start < Date.parse("2001-07-01");
    start += WEEK, week++
  ) {
    const slot = Date.now();
    const joined = await gyre.client.call(features.getHistoricalFeatures, {
      entity_path: (await flights.window(`week-${week}`, iso(start), iso(start + WEEK))).path,
      feature_service: "flight_delay",
      output_path: join(flights.dir, `week-${week}-features.parquet`),
    });
    const served = await flights.rows(joined.output_path);
    for (let i = 0; i < served.length; i += 50) {
      const batch = served.slice(i, i + 50);
      await fetch(`${TRACKING_URI}/serving/${MODEL}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": `w${week}-${i}` },
        body: JSON.stringify({
          dataframe_split: { columns: FEATURES, data: batch.map((r) => FEATURES.map((c) => r[c] ?? null)) },
        }),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(slot + 2000, Date.now() + 600) - Date.now()));
    await monitoringApi.logLabels(
      served.map((r, i) => ({ request_id: `w${week}-${i - (i % 50)}`, row: i % 50, value: String(r.late) })),
    );
    const evaluation = await monitoringApi.runMonitor(`${MODEL}-weekly`, slot + 2000);
    console.log(
      `week of ${iso(start)}: ${served.length} flights, accuracy ${evaluation.values.accuracy?.toFixed(3)}, ${evaluation.status}`,
    );

    // 5. The alert's trigger fires once per event; the run retrains on the last weeks of traffic.
    for (const event of running ? [] : await pipelinesApi.pollTrigger(`${MODEL}-on-alert`)) {
      const end = start + WEEK;
      const retrainParams = params(
        await register("example-train", iso(end - 3 * WEEK), iso(end - WEEK)),
        await register("example-holdout", iso(end - WEEK), iso(end)),
      );
      const run = await pipelinesApi.fireTrigger(`${MODEL}-on-alert`, {
        ...event,
        params: { ...event.params, ...texts(retrainParams) },
      });
      if (!run) continue;
      console.log(`alert → pipeline run ${run.id}`);
      // One process: the replay waits for the gate (training is CPU-bound), then the canary meets traffic.
      let gated;
      const gate = new Promise((resolve) => (gated = resolve));
      running = runPipeline(retrain, {
        trackingUri: TRACKING_URI,
        params: retrainParams,
        module,
        pipelineRunId: run.id,
        onEvent: (e) =>
          (e.type === "step" && e.step === "deploy") || (e.type === "pipeline" && e.status !== "RUNNING")
            ? gated()
            : undefined,
      });
      await gate;
    }
  }
  const result = running ? await running : undefined;
  console.log(
    `retrain: ${result?.status ?? "never triggered"}; promote: ${JSON.stringify(result?.steps.promote?.outputs ?? null)}`,
  );
  console.log(`champion: ${MODEL} version ${(await gyre.getModelVersionByAlias(MODEL, "champion")).version}`);
  flights.close();
}

function iso(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

function texts(params) {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
