import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataEngine } from "@gyre/data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGyre, type Gyre } from "../src/index.js";
import { availableBackends } from "./support/backends.js";

/**
 * The feature store through the real HTTP stack on every metadata backend: plan/apply (diffs,
 * idempotence, errors naming object and field, all-or-nothing), offline retrieval registered as a
 * dataset, materialization jobs and watermarks, online reads with statuses and transformations,
 * and a registry change seen by the very next online request.
 */
const backends = await availableBackends();
const BASE = "/api/2.0/gyre/features";
const NOW = Date.UTC(2024, 5, 10); // the server's clock in this test

type Body = Record<string, any>;

function repository(dir: string, overrides: { ttl?: number; extraFeature?: boolean; online?: boolean } = {}) {
  return {
    entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }],
    sources: [{ name: "driver_stats_src", path: join(dir, "driver_stats.parquet") }],
    feature_views: [
      {
        name: "driver_stats",
        entities: ["driver"],
        source: "driver_stats_src",
        event_timestamp_column: "event_timestamp",
        created_timestamp_column: "created",
        ttl_seconds: overrides.ttl ?? 2 * 86_400,
        ...(overrides.online === undefined ? {} : { online: overrides.online }),
        features: [
          { name: "conv_rate", type: "float64" },
          { name: "trips", type: "int64" },
          { name: "city", type: "string" },
          ...(overrides.extraFeature ? [{ name: "active", type: "bool" }] : []),
        ],
      },
    ],
    on_demand: [
      {
        name: "adjusted",
        inputs: ["driver_stats:conv_rate"],
        request: [{ name: "boost", type: "float64" }],
        outputs: [{ name: "conv_plus", type: "float64" }],
      },
    ],
    feature_services: [
      {
        name: "driver_service",
        features: ["driver_stats:conv_rate", "driver_stats:trips", "adjusted:conv_plus"],
      },
    ],
  };
}

describe.each(backends)("feature store on $name", (backend) => {
  let gyre: Gyre;
  let base: string;
  let dir: string;
  let dispose: () => Promise<void>;
  const call = async (method: string, path: string, body?: Body) => {
    const init: RequestInit = { method };
    let url = `${base}${BASE}/${path}`;
    if (method === "GET" && body) url += `?${new URLSearchParams(body)}`;
    else if (body) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json", "x-gyre-user": "tester" };
    }
    const response = await fetch(url, init);
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    const store = await backend.create();
    dir = mkdtempSync(join(tmpdir(), "gyre-features-"));
    // Driver 1: rows on days 1, 5 (two rows, the later created wins), 9; driver 2: day 2 only.
    const engine = await DataEngine.open({ allowedDirectories: [dir] });
    await engine.run(`COPY (SELECT * FROM (VALUES
        (1::BIGINT, TIMESTAMP '2024-06-01 00:00:00', TIMESTAMP '2024-06-01 00:00:00', 0.1, 10::BIGINT, 'Oslo', true),
        (1, TIMESTAMP '2024-06-05 00:00:00', TIMESTAMP '2024-06-05 00:00:00', 0.5, 50, 'Oslo', true),
        (1, TIMESTAMP '2024-06-05 00:00:00', TIMESTAMP '2024-06-05 01:00:00', 0.55, 55, 'Bergen', false),
        (1, TIMESTAMP '2024-06-09 00:00:00', TIMESTAMP '2024-06-09 00:00:00', 0.9, 90, 'Bergen', false),
        (2, TIMESTAMP '2024-06-02 00:00:00', TIMESTAMP '2024-06-02 00:00:00', 0.2, 20, 'Rome', true)
      ) t(driver_id, event_timestamp, created, conv_rate, trips, city, active)) TO '${join(dir, "driver_stats.parquet")}' (FORMAT parquet)`);
    await engine.run(`COPY (SELECT * FROM (VALUES
        (1::BIGINT, TIMESTAMP '2024-06-05 00:00:00'),
        (1, TIMESTAMP '2024-06-08 00:00:00'),
        (2, TIMESTAMP '2024-06-03 00:00:00'),
        (2, TIMESTAMP '2024-06-06 00:00:00'),
        (3, TIMESTAMP '2024-06-06 00:00:00'),
        (1, TIMESTAMP '2024-05-01 00:00:00')
      ) t(driver_id, event_timestamp)) TO '${join(dir, "entities.parquet")}' (FORMAT parquet)`);
    engine.close();
    writeFileSync(
      join(dir, "features.mjs"),
      `export default { on_demand: [{ name: "adjusted", inputs: ["driver_stats:conv_rate"], request: [{ name: "boost", type: "float64" }], outputs: [{ name: "conv_plus", type: "float64" }], transform: (row) => ({ conv_plus: row.conv_rate === null ? null : row.conv_rate + (row.boost ?? 0) }) }], entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }], sources: [{ name: "s", path: "driver_stats.parquet" }], feature_views: [{ name: "driver_stats", entities: ["driver"], source: "s", features: [{ name: "conv_rate", type: "float64" }] }] };\n`,
    );
    gyre = await createGyre({
      backendStoreUri: store.uri,
      artifactsDestination: store.artifacts,
      port: 0,
      logLevel: false,
      featureRepository: dir,
    });
    // A fixed clock: ttl and "now" decide statuses.
    (gyre.services.features.online as unknown as { ctx: { now: () => number } }).ctx.now = () => NOW;
    base = await gyre.listen();
    dispose = async () => {
      await gyre.close();
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterAll(() => dispose());

  it("plans additions, applies them, and applying again changes nothing", async () => {
    const plan = await call("POST", "plan", { repository: repository(dir) });
    expect(plan.status).toBe(200);
    expect(plan.body.changes.map((c: Body) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      "add entity driver",
      "add source driver_stats_src",
      "add feature_view driver_stats",
      "add on_demand adjusted",
      "add feature_service driver_service",
    ]);
    const applied = await call("POST", "apply", { repository: repository(dir) });
    expect(applied.body).toMatchObject({ applied: true, registry_version: 1 });
    const again = await call("POST", "apply", { repository: repository(dir) });
    expect(again.body).toMatchObject({ applied: false, registry_version: 1, changes: [], unchanged: 5 });
    const list = await call("GET", "list", {});
    expect(list.body.registry_version).toBe(1);
    expect(list.body.objects.find((o: Body) => o.name === "driver_stats").spec.ttl_seconds).toBe(172_800);
  });

  it("diffs changes field by field", async () => {
    const plan = await call("POST", "plan", {
      repository: repository(dir, { ttl: 3600, extraFeature: true }),
    });
    expect(plan.body.changes).toEqual([
      {
        kind: "feature_view",
        name: "driver_stats",
        action: "change",
        fields: [
          { field: "ttl_seconds", before: 172_800, after: 3600 },
          { field: "features.active", after: { name: "active", type: "bool" } },
        ],
      },
    ]);
  });

  it("rejects malformed definitions and bad references, naming object and field, and changes nothing", async () => {
    const bad = repository(dir);
    bad.feature_views[0]!.ttl_seconds = -5;
    const malformed = await call("POST", "apply", { repository: bad });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain("repository.feature_views.0.ttl_seconds");
    const unknown = repository(dir);
    unknown.feature_views[0]!.entities = ["rider"];
    const ref = await call("POST", "apply", { repository: unknown });
    expect(ref.status).toBe(400);
    expect(ref.body.message).toBe("feature view 'driver_stats': field 'entities.0': no entity named 'rider'");
    const mismatch = repository(dir);
    mismatch.feature_views[0]!.features[1] = { name: "trips", type: "string" };
    const schema = await call("POST", "apply", { repository: mismatch });
    expect(schema.status).toBe(400);
    expect(schema.body.message).toBe(
      "feature view 'driver_stats': feature 'trips': it is declared string, but the source column is integer",
    );
    const service = repository(dir);
    service.feature_services[0]!.features.push("driver_stats:nope");
    const svc = await call("POST", "plan", { repository: service });
    expect(svc.body.message).toBe(
      "feature service 'driver_service': field 'features.3': feature view 'driver_stats' has no feature 'nope'",
    );
    expect((await call("GET", "list", {})).body.registry_version).toBe(1);
  });

  it("joins point in time and registers the result as a dataset version", async () => {
    const out = join(dir, "training.parquet");
    const { status, body } = await call("POST", "historical", {
      entity_path: join(dir, "entities.parquet"),
      feature_service: "driver_stats_all",
      output_path: out,
    });
    expect(status).toBe(400);
    expect(body.message).toContain("Unknown feature service 'driver_stats_all'");
    const res = await call("POST", "historical", {
      entity_path: join(dir, "entities.parquet"),
      features: ["driver_stats:conv_rate", "driver_stats:city"],
      output_path: out,
      register: "driver_training",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 6, dataset_uri: "datasets:/driver_training/1" });
    const engine = await DataEngine.open({ allowedDirectories: [dir] });
    const rows = await engine.all(`SELECT driver_id, conv_rate, city FROM '${out}'`);
    engine.close();
    // ttl 2 days: day 8 sees nothing (latest day 5), day 5 sees the later-created day-5 row.
    expect(rows.map((r) => [Number(r.driver_id), r.conv_rate, r.city])).toEqual([
      [1, 0.55, "Bergen"],
      [1, null, null],
      [2, 0.2, "Rome"],
      [2, null, null],
      [3, null, null],
      [1, null, null],
    ]);
    const noBoost = await call("POST", "historical", {
      entity_path: join(dir, "entities.parquet"),
      feature_service: "driver_service",
      output_path: out,
    });
    expect(noBoost.status).toBe(400);
    expect(noBoost.body.message).toBe(
      "The entity table has no column 'boost' (a request field of on-demand transformation 'adjusted').",
    );
    const fromDataset = await call("POST", "historical", {
      entity_dataset: "driver_training@1",
      features: ["driver_stats:trips"],
      register: "driver_training_2",
    });
    expect(fromDataset.body).toMatchObject({ rows: 6, dataset_uri: "datasets:/driver_training_2/1" });
  });

  it("refuses a dataset name the registry could not hold before joining", async () => {
    // "../escaped" would have put the version's files outside the artifact destination.
    for (const register of ["bad name", "../escaped"]) {
      const { status, body } = await call("POST", "historical", {
        entity_path: join(dir, "entities.parquet"),
        features: ["driver_stats:trips"],
        register,
      });
      expect(status).toBe(400);
      expect(body.message).toContain("'register'");
      expect(body.message).toContain("must start with a letter or digit");
    }
    const datasets = await fetch(`${base}/api/2.0/gyre/datasets/list`);
    const names = ((await datasets.json()) as Body).datasets.map((d: Body) => d.name);
    expect(names).not.toContain("bad name");
  });

  it("reads a registered dataset version as a source, and names a missing one", async () => {
    const repo = repository(dir);
    const withDataset = {
      ...repo,
      sources: [...repo.sources, { name: "training_src", dataset: "datasets:/driver_training/1" }],
      feature_views: [
        ...repo.feature_views,
        {
          name: "training_view",
          entities: ["driver"],
          source: "training_src",
          features: [{ name: "city", type: "string" }],
        },
      ],
    };
    const plan = await call("POST", "plan", { repository: withDataset });
    expect(plan.status).toBe(200);
    expect(plan.body.changes.map((c: Body) => `${c.action} ${c.name}`)).toEqual([
      "add training_src",
      "add training_view",
    ]);
    withDataset.sources[1] = { name: "training_src", dataset: "nope@1" };
    const missing = await call("POST", "plan", { repository: withDataset });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe("source 'training_src': field 'dataset': Dataset 'nope' not found.");
    const sqlSource = { name: "training_src", dataset: "driver_training@1", sql: "SELEC city" };
    const badSql = await call("POST", "plan", {
      repository: { ...withDataset, sources: [...repo.sources, sqlSource] },
    });
    expect(badSql.status).toBe(400);
    expect(badSql.body.message).toMatch(/^source 'training_src': field 'sql': Invalid SQL: .*SELEC/);
  });

  async function materialize(body: Body) {
    const started = await call("POST", "materialize", body);
    expect(started.status).toBe(200);
    let job = started.body.job;
    while (job.status === "RUNNING") {
      await new Promise((r) => setTimeout(r, 20));
      job = (await call("GET", "materialize/get", { job_id: job.job_id })).body.job;
    }
    return job;
  }

  it("materializes a window, reads online with statuses and transformations, moves the watermark", async () => {
    const online = (entities: Body[], extra: Body) => call("POST", "online", { entities, ...extra });
    const before = await online([{ driver_id: 1, boost: 1 }], { feature_service: "driver_service" });
    expect(before.body.results[0].statuses).toEqual({
      conv_rate: "MISSING",
      trips: "MISSING",
      conv_plus: "MISSING",
    });

    const job = await materialize({ start: "2024-06-01T00:00:00Z", end: "2024-06-06T00:00:00Z" });
    expect(job).toMatchObject({
      status: "SUCCEEDED",
      views: [{ feature_view: "driver_stats", total: 2, written: 2, status: "SUCCEEDED" }],
    });
    const res = await online([{ driver_id: 1, boost: 1 }, { driver_id: 2 }, { driver_id: 99 }], {
      feature_service: "driver_service",
    });
    expect(res.status).toBe(200);
    expect(res.body.feature_names).toEqual(["conv_rate", "trips", "conv_plus"]);
    // now = June 10, ttl 2 days: driver 1's June 5 row and driver 2's June 2 row are expired.
    expect(res.body.results.map((r: Body) => r.statuses)).toEqual([
      { conv_rate: "EXPIRED", trips: "EXPIRED", conv_plus: "MISSING" },
      { conv_rate: "EXPIRED", trips: "EXPIRED", conv_plus: "MISSING" },
      { conv_rate: "MISSING", trips: "MISSING", conv_plus: "MISSING" },
    ]);
    expect(res.body.results[0].event_timestamps).toEqual({ driver_stats: "2024-06-05T00:00:00.000Z" });

    const incremental = await materialize({ incremental: true, end: "2024-06-10T00:00:00Z" });
    expect(incremental.views[0]).toMatchObject({ start: "2024-06-06T00:00:00.000Z", total: 1, written: 1 });
    const fresh = await online([{ driver_id: 1, boost: 1 }], { feature_service: "driver_service" });
    expect(fresh.body.results[0]).toEqual({
      values: { conv_rate: 0.9, trips: 90, conv_plus: 1.9 },
      statuses: { conv_rate: "PRESENT", trips: "PRESENT", conv_plus: "PRESENT" },
      event_timestamps: { driver_stats: "2024-06-09T00:00:00.000Z" },
    });
    const list = await call("GET", "list", {});
    expect(list.body.watermarks).toMatchObject([
      { feature_view: "driver_stats", watermark: "2024-06-10T00:00:00.000Z", rows_written: 1 },
    ]);
  });

  it("sees an apply at the very next online request", async () => {
    const asked = { entities: [{ driver_id: 1 }], features: ["driver_stats:active"] };
    const unknown = await call("POST", "online", asked);
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe(
      "field 'features.0': feature view 'driver_stats' has no feature 'active'",
    );
    expect(
      (await call("POST", "apply", { repository: repository(dir, { extraFeature: true }) })).body.applied,
    ).toBe(true);
    const known = await call("POST", "online", asked);
    expect(known.status).toBe(200);
    expect(known.body.results[0].statuses).toEqual({ active: "MISSING" }); // defined, not yet materialized
  });

  it("refuses to serve online a view switched to online: false, whatever it still stores", async () => {
    const offline = repository(dir, { extraFeature: true, online: false });
    expect((await call("POST", "apply", { repository: offline })).body.applied).toBe(true);
    const message =
      "Feature view 'driver_stats' is not online (online: false): its features are read with get-historical, not online.";
    for (const asked of [
      { entities: [{ driver_id: 1 }], features: ["driver_stats:trips"] },
      { entities: [{ driver_id: 1 }], feature_service: "driver_service", request: [{ boost: 1 }] },
    ]) {
      const refused = await call("POST", "online", asked);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe(message);
    }
    expect(
      (await call("POST", "apply", { repository: repository(dir, { extraFeature: true }) })).body.applied,
    ).toBe(true);
    const served = await call("POST", "online", {
      entities: [{ driver_id: 1 }],
      features: ["driver_stats:trips"],
    });
    expect(served.status).toBe(200);
    expect(served.body.results[0].statuses).toEqual({ trips: "PRESENT" });
  });

  it("answers alike ahead of Fastify and through it (a query string takes the Fastify route)", async () => {
    const bodies = [
      JSON.stringify({ entities: [{ driver_id: 1 }, { driver_id: 7 }], feature_service: "driver_service" }),
      JSON.stringify({ entities: [{ driver_id: "1" }], feature_service: "driver_service" }),
      JSON.stringify({ entities: [{ driver_id: 1 }], features: ["driver_stats:conv_rate"], extra: 1 }),
      '{"entities": [',
      "",
    ];
    const send = async (suffix: string, body: string) => {
      const response = await fetch(`${base}${BASE}/online${suffix}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        text: await response.text(),
      };
    };
    for (const body of bodies) {
      const fast = await send("", body);
      expect(await send("?via=fastify", body)).toEqual(fast);
      expect(fast.type).toBe("application/json; charset=utf-8");
    }
    expect((await send("", bodies[0]!)).status).toBe(200);
    expect(JSON.parse((await send("", bodies[3]!)).text).error_code).toBe("INVALID_PARAMETER_VALUE");
  });

  it("answers 400 naming the field for bad keys and unknown fields", async () => {
    const wrongType = await call("POST", "online", {
      entities: [{ driver_id: "1" }],
      feature_service: "driver_service",
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toBe('entities.0.driver_id: must be an integer (a JSON number), got "1"');
    const missing = await call("POST", "online", {
      entities: [{ boost: 1 }],
      feature_service: "driver_service",
    });
    expect(missing.body.message).toBe("entities.0.driver_id: missing join key (a int64)");
    const extra = await call("POST", "online", {
      entities: [{ driver_id: 1, rider: 2 }],
      features: ["driver_stats:trips"],
    });
    expect(extra.body.message).toBe(
      "entities.0.rider: not a join key or request field of the requested features (expected: driver_id)",
    );
    const both = await call("POST", "online", { entities: [{ driver_id: 1 }] });
    expect(both.status).toBe(400);
    const view = await call("POST", "materialize", {
      start: "2024-06-01T00:00:00Z",
      feature_views: ["nope"],
    });
    expect(view.body.message).toBe("feature_views.0: no feature view named 'nope'.");
  });

  it("serialises concurrent applies: each is whole, none is lost", async () => {
    const before = (await call("GET", "list", {})).body.registry_version as number;
    const ttls = [101, 202, 303, 404];
    const results = await Promise.all(
      ttls.map((ttl) => call("POST", "apply", { repository: repository(dir, { ttl }) })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Every apply changed the ttl of the state it found, so each took the next version.
    expect(results.map((r) => r.body.registry_version).sort()).toEqual([
      before + 1,
      before + 2,
      before + 3,
      before + 4,
    ]);
    const last = results.find((r) => r.body.registry_version === before + 4)!;
    const list = await call("GET", "list", {});
    expect(list.body.registry_version).toBe(before + 4);
    const view = list.body.objects.find((o: Body) => o.name === "driver_stats");
    expect(last.body.changes[0].fields).toEqual([
      { field: "ttl_seconds", before: expect.any(Number), after: view.spec.ttl_seconds },
    ]);
    expect(list.body.objects).toHaveLength(5);
  });

  it("removing a view drops its online values and its watermark", async () => {
    const repo = repository(dir);
    const removed = { ...repo, feature_views: [], on_demand: [], feature_services: [] };
    const plan = await call("POST", "apply", { repository: removed });
    expect(plan.body.changes.map((c: Body) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      "remove feature_service driver_service",
      "remove on_demand adjusted",
      "remove feature_view driver_stats",
    ]);
    expect((await call("GET", "list", {})).body.watermarks).toEqual([]);
    await call("POST", "apply", { repository: repo });
    const res = await call("POST", "online", {
      entities: [{ driver_id: 1 }],
      features: ["driver_stats:trips"],
    });
    expect(res.body.results[0].statuses).toEqual({ trips: "MISSING" });
  });
});
