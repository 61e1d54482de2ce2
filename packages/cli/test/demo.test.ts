import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitoring, pipelines } from "@gyre/core";
import { createGyre } from "@gyre/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre } from "../../sdk/src/index.js";
import { runCli } from "../src/cli.js";
import type { DemoStory } from "../src/commands/demo-spec.js";

/**
 * `gyre demo` end to end on a small subset of the real flights (one in 160, replay to mid-May, one
 * second per replayed week): the story it prints, then the store it leaves behind, read back.
 */

let home: string;
let story: DemoStory;
let exitCode: number;
let stderr = "";

beforeAll(async () => {
  home = join(mkdtempSync(join(tmpdir(), "gyre-demo-test-")), "home");
  let stdout = "";
  exitCode = await runCli(
    [
      "demo",
      "--home",
      home,
      "--sample",
      "160",
      "--trials",
      "2",
      "--slot-seconds",
      "1",
      "--until",
      "2001-05-17",
      "--json",
    ],
    {
      env: {},
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      untilShutdown: () => new Promise(() => {}),
    },
  );
  story = JSON.parse(stdout || "null") as DemoStory;
  if (exitCode !== 0) console.error(stderr);
}, 120_000);
afterAll(() => rmSync(join(home, ".."), { recursive: true, force: true }));

describe("gyre demo", () => {
  it("trains, serves and promotes the first model through the pipeline", () => {
    expect(stderr).not.toContain("error:");
    expect(exitCode).toBe(0);
    expect(story.first).toMatchObject({ status: "SUCCEEDED", decision: "promoted", reason: "first model" });
    expect(story.first.model_version).toBe("1");
    expect(story.champion.before).toBe("models:/flight-delay/1");
    expect(story.datasets.slice(0, 2)).toEqual(["datasets:/flights-train/1", "datasets:/flights-holdout/1"]);
    // Seven weeks of February and March, then the shifted weeks up to mid-May.
    expect(story.weeks.map((w) => w.week)).toEqual([
      "2001-02-01",
      "2001-02-08",
      "2001-02-15",
      "2001-02-22",
      "2001-03-01",
      "2001-03-08",
      "2001-03-15",
      "2001-03-22",
      "2001-03-29",
      "2001-04-05",
      "2001-04-12",
      "2001-04-19",
      "2001-04-26",
      "2001-05-03",
      "2001-05-10",
    ]);
    expect(story.weeks.reduce((sum, w) => sum + w.predictions, 0)).toBe(story.data.replayed_rows);
    // Every replayed flight reached the prediction store, labelled, in its own week's window.
    for (const week of story.weeks) {
      expect(Object.values(week.versions).reduce((a, b) => a + b, 0)).toBe(week.predictions);
    }
  });

  it("fires the alert only once the shifted weeks come, after two bad weeks in a row", () => {
    expect(story.alert).toBeDefined();
    const firing = story.weeks.findIndex((w) => w.alert_id !== undefined);
    expect(story.weeks[firing]!.week >= "2001-03-29").toBe(true);
    expect(story.weeks[firing]!.status).toBe("breach");
    expect(story.weeks[firing - 1]!.status).toBe("breach");
    expect(story.weeks[firing - 1]!.alert_id).toBeUndefined();
    expect(story.alert!.week).toBe(story.weeks[firing]!.week);
    expect(story.alert!.webhook_deliveries).toBeGreaterThanOrEqual(1);
    // The schedule change moves departures: against the first model's training set, dep_hour
    // drifts from the first shifted week on, never before.
    for (const week of story.weeks) {
      const firstModelOnly = Object.keys(week.versions).join() === "1";
      if (week.week < "2001-03-29") expect(week.drifted).not.toContain("dep_hour");
      else if (firstModelOnly) expect(week.drifted).toContain("dep_hour");
    }
  });

  it("retrains through the trigger, gates, and promotes or rolls back exactly as the gate and canary decided", () => {
    const retrain = story.retrain!;
    expect(retrain).toMatchObject({ trigger: "retrain-on-alert", status: "SUCCEEDED", model_version: "2" });
    const gate = retrain.gate as { passed: boolean; champion_version: string };
    expect(gate).toMatchObject({ passed: true, champion_version: "1" });
    expect(["promoted", "rolled_back"]).toContain(retrain.decision);
    expect(story.champion.after).toBe(
      retrain.decision === "promoted" ? "models:/flight-delay/2" : "models:/flight-delay/1",
    );
    for (const report of story.reports) expect(statSync(report).size).toBeLessThan(1_000_000);
    expect(story.reports.length).toBe(2);
  });

  it("leaves a store that tells the same story", async () => {
    const server = await createGyre({
      backendStoreUri: `sqlite:///${home}/gyre.db`,
      artifactsDestination: join(home, "artifacts"),
      port: 0,
      logLevel: false,
    });
    try {
      const gyre = new Gyre({ trackingUri: await server.listen() });
      const model = await gyre.getRegisteredModel("flight-delay");
      const champion = model.aliases?.find((a) => a.alias === "champion")?.version;
      expect(`models:/flight-delay/${champion}`).toBe(story.champion.after);
      expect(model.aliases?.some((a) => a.alias === "challenger")).toBe(false);
      const { firings } = await gyre.client.call(pipelines.listTriggerFirings, { name: "retrain-on-alert" });
      expect(firings?.map((f) => f.pipeline_run_id)).toEqual([story.retrain!.pipeline_run_id]);
      const { pipeline_runs } = await gyre.client.call(pipelines.listPipelineRuns, {});
      expect(pipeline_runs?.map((r) => [r.id, r.status]).sort()).toEqual(
        [
          [story.first.pipeline_run_id, "SUCCEEDED"],
          [story.retrain!.pipeline_run_id, "SUCCEEDED"],
        ].sort(),
      );
      const { alerts } = await gyre.client.call(monitoring.listAlerts, { monitor: "flight-delay-weekly" });
      expect(alerts.map((a) => a.id)).toContain(story.alert!.id);
      // The retrained model's run records its training and holdout data.
      const version = await gyre.getModelVersion("flight-delay", 2);
      const run = await gyre.getRun(version.run_id!);
      const contexts = run.inputs.dataset_inputs?.map(
        (d) => d.tags?.find((t) => t.key === "mlflow.data.context")?.value,
      );
      expect(contexts?.sort()).toEqual(["holdout", "training"]);
    } finally {
      await server.close();
    }
  });
});

describe("gyre demo's command line", () => {
  async function demo(...args: string[]) {
    let stderr = "";
    const code = await runCli(["demo", ...args], {
      env: {},
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
      untilShutdown: () => new Promise(() => {}),
    });
    return { code, stderr };
  }

  it("refuses a home that holds anything, a bad --until and bad numbers, before doing any work", async () => {
    const parent = join(home, "..");
    expect(await demo("--home", parent)).toMatchObject({ code: 2 });
    expect((await demo("--home", parent)).stderr).toContain(
      `error: --home ${parent} is not empty: the demo needs a new or empty directory`,
    );
    expect((await demo("--until", "2001-08-01")).stderr).toContain(
      "error: --until must be a day from 2001-03-01 to 2001-07-01, got '2001-08-01'",
    );
    expect((await demo("--sample", "0")).stderr).toContain(
      "error: --sample must be an integer from 1 to 10000, got '0'",
    );
  });
});
