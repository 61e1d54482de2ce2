import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { registry } from "@gyre/core";
import { AllowedDirectories } from "@gyre/core/paths";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends } from "../../server/test/support/backends.js";
import { createTrigger, dueTick, LocalExecutor, parseCron, Scheduler } from "../src/index.js";
import { type PipelineTestServer, startPipelineServer } from "./support/server.js";

const MODULE = fileURLToPath(new URL("./fixtures/triggered.mjs", import.meta.url));
const backends = await availableBackends();

describe.each(backends)("triggers and schedules ($name)", (backend) => {
  let t: PipelineTestServer;
  let work: string;
  const executor = new LocalExecutor({ maxParallel: 2 });
  beforeAll(async () => {
    t = await startPipelineServer(backend);
    work = mkdtempSync(join(tmpdir(), "gyre-triggers-"));
  });
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Two schedulers polling the same store at the same time, as two processes would. */
  function schedulers(now?: () => number): [Scheduler, Scheduler] {
    const make = () => new Scheduler({ trackingUri: t.uri, executorFor: () => executor, now });
    return [make(), make()];
  }

  async function racedTicks(pair: [Scheduler, Scheduler]): Promise<string[]> {
    const fired = (
      await Promise.all([pair[0].tick(), pair[1].tick(), pair[0].tick(), pair[1].tick()])
    ).flat();
    await Promise.all(pair.map((s) => s.idle()));
    return fired;
  }

  async function seenBy(runId: string): Promise<Record<string, string>> {
    const run = await t.store.getRun(runId);
    expect(run.status).toBe("SUCCEEDED");
    return run.steps[0]?.outputs?.seen as Record<string, string>;
  }

  function csv(name: string, rows: number): string {
    const file = join(work, name);
    writeFileSync(file, `x,y\n${Array.from({ length: rows }, (_, i) => `${i},${i * 2}`).join("\n")}\n`);
    return file;
  }

  it("fires once per new dataset version, however many schedulers race, and never for older versions", async () => {
    await t.gyre.registerDataset(csv("v1.csv", 3), { name: "events" });
    await createTrigger(t.gyre, {
      name: "on-events",
      module: MODULE,
      spec: { kind: "dataset", dataset: "events" },
      params: { label: "data" },
    });
    const pair = schedulers();
    expect(await racedTicks(pair)).toEqual([]);

    await t.gyre.registerDataset(csv("v2.csv", 4), { name: "events" });
    const fired = await racedTicks(pair);
    expect(fired).toHaveLength(1);
    expect(await seenBy(fired[0] ?? "")).toMatchObject({ dataset: "datasets:/events/2", label: "data" });
    const run = await t.store.getRun(fired[0] ?? "");
    expect(run).toMatchObject({ trigger: "on-events", event_key: "dataset:events/2" });
    expect(run.params).toMatchObject({ trigger_dataset: "datasets:/events/2", label: "data" });
    expect(await racedTicks(pair)).toEqual([]);

    await t.gyre.registerDataset(csv("v3.csv", 5), { name: "events" });
    const third = await racedTicks(pair);
    expect(third).toHaveLength(1);
    expect((await t.store.listFirings("on-events")).map((f) => f.event_key)).toEqual([
      "dataset:events/3",
      "dataset:events/2",
    ]);
  });

  it("fires on registry events: a version created and an alias moved", async () => {
    await t.gyre.client.call(registry.createRegisteredModel, { name: "churn" });
    await createTrigger(t.gyre, {
      name: "on-churn",
      module: MODULE,
      spec: {
        kind: "registry",
        model: "churn",
        events: ["version_created", "alias_moved"],
        alias: "champion",
      },
    });
    const run = await t.gyre.startRun({ experiment: "registry-source" });
    await run.end();
    const source = `runs:/${run.id}/model`;
    await t.gyre.client.call(registry.createModelVersion, { name: "churn", source, run_id: run.id });
    await t.gyre.setAlias("churn", "staging", 1);
    await t.gyre.setAlias("churn", "champion", 1);
    const fired = await racedTicks(schedulers());
    expect(fired).toHaveLength(2);
    const seen = await Promise.all(fired.map(seenBy));
    expect(seen.map((s) => `${s.event} ${s.model}`).sort()).toEqual([
      "alias_moved models:/churn/1",
      "version_created models:/churn/1",
    ]);
  });

  it("fires once per alert of its monitor, also for one that resolved before the poll", async () => {
    const db = t.server.gyre.database.db;
    const insertAlert = (monitor: string, state: string) =>
      sql`insert into monitor_alerts (monitor_name, state, fired_at, details) values (${monitor}, ${state}, ${Date.now()}, '{}')`.execute(
        db,
      );
    await insertAlert("auc-watch", "firing");
    await createTrigger(t.gyre, {
      name: "on-alert",
      module: MODULE,
      spec: { kind: "alert", monitor: "auc-watch" },
    });
    await insertAlert("other-monitor", "firing");
    await insertAlert("auc-watch", "resolved");
    await insertAlert("auc-watch", "firing");
    const fired = await racedTicks(schedulers());
    expect(fired).toHaveLength(2);
    const firings = await t.store.listFirings("on-alert");
    expect(firings).toHaveLength(2);
    for (const firing of firings) expect(firing.event_key).toMatch(/^alert:\d+$/);
    const alerts = (await Promise.all(fired.map(seenBy))).map((s) => `alert:${s.alert}`);
    expect(alerts.sort()).toEqual(firings.map((f) => f.event_key).sort());
  });

  it("runs a cron schedule once per due tick, collapsing missed ticks", async () => {
    const trigger = await createTrigger(t.gyre, {
      name: "every-5-min",
      module: MODULE,
      spec: { kind: "cron", cron: "*/5 * * * *" },
    });
    const created = trigger.cursor;
    const later = created + 11 * 60_000;
    const expected = dueTick(parseCron("*/5 * * * *"), created, later) ?? 0;
    expect(expected % 300_000).toBe(0);
    expect(later - expected).toBeLessThan(300_000);
    const fired = await racedTicks(schedulers(() => later));
    expect(fired).toHaveLength(1);
    expect((await seenBy(fired[0] ?? "")).time).toBe(new Date(expected).toISOString());
    expect(await racedTicks(schedulers(() => later))).toEqual([]);
    expect(await racedTicks(schedulers(() => expected + 5 * 60_000))).toHaveLength(1);
  });

  it("with --allowed-modules, runs a trigger's module from inside and fails one outside without importing it", async () => {
    const inside = await AllowedDirectories.of([dirname(MODULE)], "allowed");
    const elsewhere = await AllowedDirectories.of([work], "allowed");
    const trigger = await createTrigger(t.gyre, {
      name: "confined",
      module: MODULE,
      spec: { kind: "cron", cron: "*/5 * * * *" },
    });
    const at = (minutes: number) => () => trigger.cursor + minutes * 60_000;
    const scheduler = (allowedModules: AllowedDirectories, now: () => number) =>
      new Scheduler({ trackingUri: t.uri, executorFor: () => executor, now, allowedModules });

    const refused = scheduler(elsewhere, at(6));
    const [failedId] = await refused.tick();
    await refused.idle();
    const failed = await t.store.getRun(failedId ?? "");
    expect([failed.status, failed.error]).toEqual([
      "FAILED",
      `Pipeline module '${MODULE}' is outside the directories this process imports pipelines from (--allowed-modules ${work}).`,
    ]);
    expect(failed.steps.every((s) => s.status === "PENDING")).toBe(true);

    const allowed = scheduler(inside, at(11));
    const [okId] = await allowed.tick();
    await allowed.idle();
    expect((await t.store.getRun(okId ?? "")).status).toBe("SUCCEEDED");
    await t.store.deleteTrigger("confined");
  });

  it("rejects bad triggers before storing them, naming the field", async () => {
    await expect(
      createTrigger(t.gyre, { name: "bad-cron", module: MODULE, spec: { kind: "cron", cron: "every day" } }),
    ).rejects.toThrow(/^spec\.cron: 'every day' is not a cron expression/);
    await expect(
      createTrigger(t.gyre, {
        name: "bad-param",
        module: MODULE,
        spec: { kind: "dataset", dataset: "events" },
        params: { nope: "1" },
      }),
    ).rejects.toThrow("Pipeline 'triggered': unknown parameter 'nope'");
    await expect(
      createTrigger(t.gyre, { name: "on-events", module: MODULE, spec: { kind: "dataset", dataset: "x" } }),
    ).rejects.toThrow("Trigger 'on-events' already exists.");
    expect((await t.store.listTriggers()).map((x) => x.name)).toEqual([
      "every-5-min",
      "on-alert",
      "on-churn",
      "on-events",
    ]);
  });
});
