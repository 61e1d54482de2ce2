/**
 * Feature store benchmark (issue 5). stdout: one JSON line; progress on stderr.
 *
 * (1) Point-in-time join of --entities entity rows (default 1,000,000) against a --rows-row
 *     feature view (default 10,000,000; --keys drivers), generated deterministically from --seed:
 *     wall seconds and peak RSS of @gyre/features' exact join, beside a hand-written DuckDB ASOF
 *     JOIN of the same files (the floor), each in its own process, alternated --repeat times; the
 *     best wall time and the least CPU time of each (CPU is steadier on a shared machine).
 * (2) Online retrieval of 1 entity × 50 features (5 views × 10) over HTTP on loopback at 50
 *     connections for --seconds, p50/p99/req/s and server CPU µs per request, for the SQLite and
 *     the Redis online store; then the same load against a bare Fastify POST route answering a
 *     constant of the same size (the floor), so server_cpu_ratio_to_floor is a same-run ratio;
 *     and one process under open-loop load at --paced-rates (latency at a stated load).
 * (3) Materialization rows/s of those views (--online-entities × --rows-per-entity rows each).
 *
 * Options: --entities N --rows N --keys N --seed N --repeat N --ttl-days N
 *          --online-entities N --rows-per-entity N --seconds S --redis URL|off --skip-pit
 *          --server-flag FLAG (repeatable: node flags for the server child, e.g. --cpu-prof)
 *          --load-generator wrk|node|auto (default: wrk when installed, else bench/serving's Node client)
 *          --server-processes N (default 2: the online load again against gyre server --serving-workers N; 1 = skip)
 *          --paced-rates R,R (default 1000,5000 requests/s; none = skip)
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chooseLoadGenerator, pacedRates } from "../serving/measure.js";
import { onlineFeatureNames, writeOnlineData, writePitData } from "./data.js";
import { type OnlineFigures, onlineBenchmark } from "./online.js";

const PIT_CHILD = fileURLToPath(new URL("./pit-child.js", import.meta.url));

function log(message: string): void {
  process.stderr.write(`[bench features ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

interface RunFigures {
  seconds: number;
  cpu_seconds: number;
  max_rss_mb: number;
  rows: number;
}

function pitRun(
  mode: "gyre" | "floor",
  files: { view: string; spine: string },
  dir: string,
  ttl: number,
): RunFigures {
  const out = path.join(dir, `${mode}-out.parquet`);
  const text = execFileSync(process.execPath, [PIT_CHILD, mode, files.view, files.spine, out, String(ttl)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(text.trim().split("\n").pop()!) as RunFigures;
}

const best = (runs: RunFigures[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const leastCpu = (runs: RunFigures[]) => Math.min(...runs.map((r) => r.cpu_seconds));

/** Issue 5's online latency target. */
const TARGET_P99_MS = 2;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entities: { type: "string", default: "1000000" },
      rows: { type: "string", default: "10000000" },
      keys: { type: "string", default: "100000" },
      seed: { type: "string", default: "42" },
      repeat: { type: "string", default: "3" },
      "ttl-days": { type: "string", default: "0" },
      "online-entities": { type: "string", default: "10000" },
      "rows-per-entity": { type: "string", default: "20" },
      seconds: { type: "string", default: "10" },
      redis: { type: "string", default: "redis://127.0.0.1:6379" },
      "skip-pit": { type: "boolean", default: false },
      "server-flag": { type: "string", multiple: true, default: [] },
      "load-generator": { type: "string", default: "auto" },
      "server-processes": { type: "string", default: "2" },
      "paced-rates": { type: "string", default: "1000,5000" },
    },
    strict: false, // bench/run.mjs passes every benchmark the same arguments
  });
  const n = (name: keyof typeof values) => Number(values[name]);
  const loadBefore = loadavg()[0]!;
  const load = chooseLoadGenerator(values["load-generator"]);
  const dir = await mkdtemp(path.join(tmpdir(), "gyre-bench-features-"));
  const result: Record<string, unknown> = { benchmark: "features" };
  try {
    if (values["skip-pit"] !== true) {
      const sizes = { entities: n("entities"), rows: n("rows"), keys: n("keys"), seed: n("seed") };
      log(`generating ${sizes.rows} feature rows and ${sizes.entities} entity rows (seed ${sizes.seed})`);
      const files = await writePitData(dir, sizes);
      const gyre: RunFigures[] = [];
      const floor: RunFigures[] = [];
      for (let i = 0; i < n("repeat"); i++) {
        floor.push(pitRun("floor", files, dir, 0));
        log(
          `floor ASOF JOIN: ${floor.at(-1)!.seconds.toFixed(2)} s (cpu ${floor.at(-1)!.cpu_seconds.toFixed(2)} s), ${floor.at(-1)!.max_rss_mb} MB`,
        );
        gyre.push(pitRun("gyre", files, dir, n("ttl-days") * 86_400));
        log(
          `gyre PIT join: ${gyre.at(-1)!.seconds.toFixed(2)} s (cpu ${gyre.at(-1)!.cpu_seconds.toFixed(2)} s), ${gyre.at(-1)!.max_rss_mb} MB`,
        );
      }
      const g = best(gyre);
      const f = best(floor);
      if (g.rows !== sizes.entities)
        throw new Error(`gyre join returned ${g.rows} rows for ${sizes.entities} entity rows`);
      result.pit_join = {
        ...sizes,
        gyre: {
          seconds: round(g.seconds),
          cpu_seconds: round(leastCpu(gyre)),
          max_rss_mb: g.max_rss_mb,
          rows: g.rows,
        },
        floor_asof_join: {
          seconds: round(f.seconds),
          cpu_seconds: round(leastCpu(floor)),
          max_rss_mb: f.max_rss_mb,
          rows: f.rows,
        },
        ratio_to_floor: round(g.seconds / f.seconds),
        cpu_ratio_to_floor: round(leastCpu(gyre) / leastCpu(floor)),
        target_ratio: 1.5,
        runs: { gyre: gyre.map((r) => round(r.seconds)), floor: floor.map((r) => round(r.seconds)) },
      };
    }

    const names = onlineFeatureNames(5, 10);
    const entities = n("online-entities");
    const rowsPerEntity = n("rows-per-entity");
    log(`generating 5 views × ${entities * rowsPerEntity} rows for the online store`);
    const onlineFiles = await writeOnlineData(dir, names, entities, rowsPerEntity, n("seed"));
    const stores: [string, string][] = [["sqlite", `sqlite:///${dir}/online.db`]];
    if (values.redis !== "off") {
      stores.push(["redis", `${values.redis}?prefix=gyre_bench_${randomBytes(4).toString("hex")}:`]);
    }
    const online: Record<string, OnlineFigures | { error: string }> = {};
    for (const [name, uri] of stores) {
      const storeDir = await mkdtemp(path.join(dir, `${name}-`));
      try {
        online[name] = await onlineBenchmark({
          dir: storeDir,
          onlineStore: uri,
          files: onlineFiles,
          names,
          entities,
          rowsPerEntity,
          seconds: n("seconds"),
          serverFlags: (values["server-flag"] ?? []) as string[],
          loadGenerator: load.generator,
          processes: n("server-processes"),
          pacedRates: pacedRates(values["paced-rates"]),
        });
        const o = online[name] as OnlineFigures;
        log(
          `${name}: ${o.requests_per_s} req/s, p50 ${o.p50_ms} ms, p99 ${o.p99_ms} ms, server ${o.server_cpu_us_per_request} µs CPU/request (floor ${o.floor.server_cpu_us_per_request}: ${o.server_cpu_ratio_to_floor}×, p99 ${o.floor.p99_ms} ms; node:http floor p99 ${o.floor_node_http.p99_ms} ms); materialize ${o.materialize.rows_per_s} rows/s`,
        );
        for (const [rate, figures] of Object.entries(o.paced)) {
          const floor = o.floor_node_http.paced?.[rate];
          log(
            `${name}, paced at ${rate} req/s: p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, p99.9 ${figures.p999_ms} ms (node:http floor p99 ${floor?.p99_ms} ms)`,
          );
        }
        const several = o[`processes_${n("server-processes")}`];
        if (several) {
          log(
            `${name}, ${n("server-processes")} processes: ${several.requests_per_s} req/s, p50 ${several.p50_ms} ms, p99 ${several.p99_ms} ms`,
          );
        }
      } catch (error) {
        online[name] = { error: (error as Error).message };
        log(`${name}: ${(error as Error).message}`);
      } finally {
        if (name === "redis") await dropPrefix(uri);
      }
    }
    const meets: Record<string, boolean> = {};
    for (const [store, figures] of Object.entries(online)) {
      if ("error" in figures) continue;
      meets[`${store}_p99_saturated`] = figures.p99_ms <= TARGET_P99_MS;
      for (const [rate, paced] of Object.entries(figures.paced)) {
        meets[`${store}_p99_at_${rate}_per_s`] = paced.p99_ms <= TARGET_P99_MS;
      }
    }
    result.online = {
      entity_rows_per_request: 1,
      features: 50,
      connections: 50,
      target_p99_ms: TARGET_P99_MS,
      load_generator: load.description,
      ...online,
      meets_target: meets,
    };
    result.load_average = { before: round(loadBefore), after: round(loadavg()[0]!) };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The benchmark's own Redis keys go when it ends. */
async function dropPrefix(uri: string): Promise<void> {
  const { RedisOnlineStore } = await import("@gyre/features/redis");
  const store = new RedisOnlineStore(uri);
  try {
    await (await store.connect()).dropAll();
  } finally {
    await store.close();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
