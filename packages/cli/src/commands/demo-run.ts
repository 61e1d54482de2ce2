import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GyreError, monitoring, pipelines } from "@gyre/core";
import { type PipelineResult, runPipeline } from "@gyre/pipelines";
import { Gyre } from "@gyre/sdk";
import { DEMO_FEATURES, DEMO_SHIFT_START, FLIGHTS_LICENCE, FlightData } from "./demo-data.js";
import demoPipeline from "./demo-pipeline.js";
import { type ReplayWeek, replayWeek, sendLabels, versionsServed } from "./demo-replay.js";
import { DemoSession, sleep } from "./demo-session.js";
import {
  DEMO_ACCURACY_FLOOR,
  DEMO_DEPLOYMENT,
  DEMO_MONITOR,
  DEMO_TRIGGER,
  type DemoOptions,
  type DemoStory,
  type WeekPoint,
} from "./demo-spec.js";
import { AlertReceiver } from "./demo-webhook.js";

/**
 * `gyre demo`: the closed loop on real flights, in one process — a Gyre server on a free port
 * over a fresh home (SQLite, local files, embedded defaults only), the continuous-training
 * pipeline run twice (the first model, then the retrain an alert triggers), and weekly traffic
 * replayed through the served deployment with labels arriving at each week's end.
 */

const DAY = 86_400_000;
/** Longer than the prediction log's flush interval. */
const LOG_FLUSH_MS = 600;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function weeksBetween(from: string, until: string): { start: string; end: string }[] {
  const weeks: { start: string; end: string }[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${until}T00:00:00Z`); t += 7 * DAY) {
    weeks.push({ start: isoDay(t), end: isoDay(Math.min(t + 7 * DAY, Date.parse(`${until}T00:00:00Z`))) });
  }
  return weeks;
}

export async function runDemo(options: DemoOptions): Promise<DemoStory> {
  const started = Date.now();
  const { createGyre, embeddedDefaults } = await import("@gyre/server");
  const defaults = embeddedDefaults(options.home);
  const server = await createGyre({
    backendStoreUri: defaults.backendStoreUri,
    artifactsDestination: defaults.artifactsDestination,
    host: "127.0.0.1",
    port: 0,
    logLevel: false,
    serveDeployments: true,
    deploymentPollMs: 250,
  });
  const receiver = await AlertReceiver.start();
  let data: FlightData | undefined;
  try {
    const url = await server.listen();
    const gyre = new Gyre({ trackingUri: url });
    options.progress.note(`demo: Gyre server on ${url}, home ${options.home}`);
    options.progress.note(`demo: reading ${FLIGHTS_LICENCE}, one flight in ${options.sampleEvery}`);
    data = await FlightData.open(join(options.home, "data"), { sampleEvery: options.sampleEvery });
    const demo = new DemoSession(options, gyre, url, data);
    await demo.applyFeatures();

    // 1. The first model: January's flights, the last week held out.
    // Whole weeks (Thursday to Thursday), so the reference holds every weekday equally often.
    const train = await demo.registerWindow("flights-train", "train-v1", "2001-01-04", "2001-01-25");
    const holdout = await demo.registerWindow("flights-holdout", "holdout-v1", "2001-01-25", "2001-02-01");
    demo.note(
      `registered ${train} and ${holdout}; running the continuous-training pipeline for the first model`,
    );
    const first = await runPipeline(demoPipeline, {
      trackingUri: url,
      gyre,
      params: demo.params(train, holdout),
      experiment: "flight-delay",
      module: fileURLToPath(new URL("./demo-pipeline.js", import.meta.url)),
      onEvent: demo.onPipelineEvent("first model"),
    });
    const firstStory = demo.story(first);
    if (first.status !== "SUCCEEDED") {
      throw new GyreError(
        "INTERNAL_ERROR",
        `The first pipeline run ${first.id} ended ${first.status}: ${first.error ?? ""}`,
      );
    }
    const championBefore = await demo.champion();

    // 2. Watch it: a monitor on the deployment, its alert triggering the same pipeline.
    await gyre.client.call(monitoring.createMonitor, {
      name: DEMO_MONITOR,
      spec: {
        target: { deployment: DEMO_DEPLOYMENT },
        window_seconds: options.slotSeconds,
        task: "classification",
        thresholds: [{ metric: "accuracy", min: DEMO_ACCURACY_FLOOR }],
        // 229 airports: a week of traffic differs from the reference by JS ≈ 0.13 from sampling alone.
        drift: {
          enabled: true,
          columns: [...DEMO_FEATURES],
          column_thresholds: { origin: 0.2, destination: 0.2 },
        },
        reference: { kind: "training" },
        alert: { fire_after: 2, resolve_after: 2 },
        webhooks: [{ url: receiver.url, secret: "gyre-demo" }],
      },
    });
    await gyre.client.call(pipelines.createPipelineTrigger, {
      name: DEMO_TRIGGER,
      pipeline: demoPipeline.name,
      module: fileURLToPath(new URL("./demo-pipeline.js", import.meta.url)),
      spec: { kind: "alert", monitor: DEMO_MONITOR },
      params: {},
      executor: "local",
    });
    demo.note(
      `monitor '${DEMO_MONITOR}' (accuracy ≥ ${DEMO_ACCURACY_FLOOR}, drift per feature, fires after 2 bad weeks) and trigger '${DEMO_TRIGGER}' → pipeline '${demoPipeline.name}'`,
    );

    // 3. Replay February to June, a week per slot; labels arrive at each week's end.
    const replayFile = await demo.replayTable();
    const replayRows = await data.rows(replayFile);
    const weeks = weeksBetween("2001-02-01", options.until);
    options.progress.note(
      `demo: replaying ${replayRows.length.toLocaleString("en-US")} flights over ${weeks.length} weeks through /serving/${DEMO_DEPLOYMENT} (shifted from ${DEMO_SHIFT_START}: see 'gyre demo --help')`,
    );
    options.progress.start(replayRows.length);
    const points: WeekPoint[] = [];
    let alert: DemoStory["alert"];
    let retrain: Promise<PipelineResult> | undefined;
    let retrainTrigger: string | undefined;
    let firstEvaluation = 0;
    let cursor = 0;
    for (const [index, week] of weeks.entries()) {
      await demo.idle();
      const slotStart = Date.now();
      const end = Date.parse(`${week.end}T00:00:00Z`);
      const rows: Record<string, unknown>[] = [];
      while (cursor < replayRows.length && (replayRows[cursor]!.event_timestamp as Date).getTime() < end) {
        rows.push(replayRows[cursor++]!);
      }
      const replayed: ReplayWeek = await replayWeek(
        `${url}/serving/${DEMO_DEPLOYMENT}`,
        `w${index}`,
        rows,
        (n) => options.progress.advance(n),
      );
      // The prediction log reaches the store within its flush interval (250 ms): wait past it.
      await sleep(Math.max(slotStart + options.slotSeconds * 1000, Date.now() + LOG_FLUSH_MS) - Date.now());
      await sendLabels(gyre, replayed.labels);
      const { evaluation } = await gyre.client.call(monitoring.runMonitor, {
        name: DEMO_MONITOR,
        window_end: slotStart + options.slotSeconds * 1000,
      });
      if (firstEvaluation === 0) firstEvaluation = evaluation.number;
      const versions = await versionsServed(
        gyre,
        DEMO_DEPLOYMENT,
        slotStart,
        slotStart + options.slotSeconds * 1000,
      );
      const drifted = await demo.driftedColumns(evaluation.number);
      points.push({
        week: week.start,
        predictions: rows.length,
        accuracy: evaluation.values.accuracy ?? null,
        drift_share: evaluation.values.drift_share ?? null,
        drifted,
        status: evaluation.status,
        ...(evaluation.alert_id !== undefined ? { alert_id: evaluation.alert_id } : {}),
        versions,
      });
      const accuracy = evaluation.values.accuracy;
      demo.note(
        `week of ${week.start}: ${rows.length} flights, accuracy ${accuracy == null ? "-" : accuracy.toFixed(3)}, drifted ${drifted.join(" ") || "-"}, ${evaluation.status}${Object.keys(versions).length > 1 ? `, served by versions ${JSON.stringify(versions)}` : ""}`,
      );
      // The trigger: new alert events fire the pipeline once each, with this week's data windows.
      if (!retrain) {
        const { events } = await gyre.client.call(pipelines.pollPipelineTrigger, { name: DEMO_TRIGGER });
        const event = events?.[0];
        if (event) {
          const alerts = await gyre.client.call(monitoring.listAlerts, {
            monitor: DEMO_MONITOR,
            state: "firing",
          });
          const fired = alerts.alerts[0];
          alert = {
            id: fired?.id ?? 0,
            week: week.start,
            breaches: fired?.details.breaches ?? evaluation.breaches,
            webhook_deliveries: 0,
          };
          await demo.saveReport(evaluation.number, `alert-week-${week.start}`);
          // Retrain on the two weeks of labelled traffic before this one; hold this week out.
          const windowStart = isoDay(end - 21 * DAY);
          const split = isoDay(end - 7 * DAY);
          const trainUri = await demo.registerWindow(
            "flights-train",
            `train-${week.start}`,
            windowStart,
            split,
          );
          const holdoutUri = await demo.registerWindow(
            "flights-holdout",
            `holdout-${week.start}`,
            split,
            week.end,
          );
          const fire = await gyre.client.call(pipelines.firePipelineTrigger, {
            name: DEMO_TRIGGER,
            event_key: event.key,
            cursor: event.cursor,
            params: { ...event.params, ...textParams(demo.params(trainUri, holdoutUri)) },
          });
          demo.note(
            `alert ${alert.id} fired → trigger '${DEMO_TRIGGER}' started pipeline run ${fire.pipeline_run?.id} (retrain on ${windowStart}…${week.end})`,
          );
          retrainTrigger = DEMO_TRIGGER;
          demo.busy.add("retrain");
          retrain = runPipeline(demoPipeline, {
            trackingUri: url,
            gyre,
            params: demo.params(trainUri, holdoutUri),
            experiment: "flight-delay",
            module: fileURLToPath(new URL("./demo-pipeline.js", import.meta.url)),
            ...(fire.pipeline_run ? { pipelineRunId: fire.pipeline_run.id } : {}),
            onEvent: demo.onPipelineEvent("retrain"),
          });
          // A failed run must not surface as an unhandled rejection while the replay goes on.
          retrain.catch(() => {}).finally(() => demo.busy.delete("retrain"));
        }
      }
    }
    options.progress.finish();
    const retrainResult = retrain ? await retrain : undefined;
    // Only deliveries whose HMAC signature checks out count.
    if (alert) alert = { ...alert, webhook_deliveries: receiver.deliveries.filter((d) => d.signed).length };
    const last = points.length - 1;
    if (last >= 0) await demo.saveReport(firstEvaluation + last, `final-week-${points[last]!.week}`);
    return {
      server: url,
      home: options.home,
      data: {
        source: FLIGHTS_LICENCE,
        shift_start: DEMO_SHIFT_START,
        training_rows: demo.rows.get(train) ?? 0,
        replayed_rows: replayRows.length,
      },
      datasets: demo.datasets,
      feature_store: demo.featureStoreLabel,
      first: firstStory,
      weeks: points,
      ...(alert ? { alert } : {}),
      ...(retrainResult ? { retrain: demo.story(retrainResult, retrainTrigger) } : {}),
      champion: { before: championBefore, after: await demo.champion() },
      reports: demo.reports,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    data?.close();
    await receiver.close();
    await server.close();
  }
}

/** Pipeline run params as the trigger records them: text, JSON for objects. */
function textParams(params: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}
