import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Gyre } from "@gyre/sdk";
import { httpRequests } from "../serving/bodies.js";
import { type Figures, type LoadGenerator, measure } from "../serving/measure.js";
import { type ServerProcess, startChild, startGyreServer } from "../serving/processes.js";

export interface OnlineFigures extends Figures {
  /** Materialization of every view: source rows read and entities written per second. */
  materialize: {
    seconds: number;
    rows_read: number;
    entities_written: number;
    rows_per_s: number;
    entities_per_s: number;
  };
  /** One request, checked once: every value PRESENT. */
  features_per_request: number;
  /** `gyre server --serving-workers N` (one process per core) under the same load, when asked. */
  [processes: `processes_${number}`]: Figures;
  /**
   * One process under open-loop load at fixed rates (50 connections, requests timed from when
   * they fell due): latency at a stated load, as Feast's published figures are (10 req/s, 5
   * connections), rather than at saturation, where p99 follows from throughput.
   */
  paced: Record<string, Figures>;
  /** The same load against a bare Fastify POST route answering a constant of the same size. */
  floor: Figures;
  /**
   * Plain node:http answering the same constant with one reply flush per turn: the least an HTTP
   * answer of this size costs here, so its p99 bounds what any server can reach in this harness.
   */
  floor_node_http: Figures & { paced?: Record<string, Figures> };
  /** Gyre's server CPU per request over the floor's, measured in the same run. */
  server_cpu_ratio_to_floor: number;
}

/** The floors: a bare Fastify route (the issue's), and plain node:http with per-turn replies. */
const FLOOR_SERVERS = {
  fastify: fileURLToPath(new URL("./floor-server.js", import.meta.url)),
  node_http: fileURLToPath(new URL("./raw-floor-server.js", import.meta.url)),
};

/** A floor server answering `answer`; resolves once it prints its port. */
function startFloor(dir: string, answer: string, kind: keyof typeof FLOOR_SERVERS): Promise<ServerProcess> {
  const file = path.join(dir, "floor-answer.json");
  writeFileSync(file, answer);
  return startChild([FLOOR_SERVERS[kind], file], process.env, /^(\d+)$/m);
}

/** `gyre server` on a free port with the given online store; resolves once it listens. */
function startServer(
  dir: string,
  onlineStore: string,
  flags: readonly string[],
  processes = 1,
): Promise<ServerProcess> {
  return startGyreServer(dir, {
    nodeFlags: flags,
    serverArgs: [
      "--deployments-poll-seconds",
      "0",
      "--feature-online-store",
      onlineStore,
      "--serving-workers",
      String(processes),
    ],
  });
}

/**
 * The online path end to end against one online store: apply `names.length` views into one
 * 50-feature service, materialize them (timed), then load `POST /api/2.0/gyre/features/online`
 * with 1 entity × every feature at 50 connections (bench/serving's raw-socket load generator).
 */
export async function onlineBenchmark(options: {
  dir: string;
  onlineStore: string;
  files: string[];
  names: string[][];
  entities: number;
  rowsPerEntity: number;
  seconds: number;
  /** Node flags for the server child (e.g. --cpu-prof). */
  serverFlags: readonly string[];
  loadGenerator: LoadGenerator;
  /** Also measure `gyre server --serving-workers N` on the same data (N > 1), after the one-process run. */
  processes: number;
  /** Open-loop rates (requests/s) for the `paced` figures. */
  pacedRates: readonly number[];
}): Promise<OnlineFigures> {
  let server = await startServer(options.dir, options.onlineStore, options.serverFlags);
  try {
    const gyre = new Gyre({ trackingUri: server.url, maxRetries: 0 });
    await gyre.features.apply({
      entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }],
      sources: options.files.map((path, v) => ({ name: `source_${v}`, path })),
      feature_views: options.names.map((features, v) => ({
        name: `view_${v}`,
        entities: ["driver"],
        source: `source_${v}`,
        features: features.map((name) => ({ name, type: "float64" as const })),
      })),
      feature_services: [{ name: "all", features: options.names.map((_, v) => `view_${v}:*`) }],
    });
    const started = performance.now();
    const job = await gyre.features.materialize({
      start: "2024-01-01T00:00:00Z",
      end: "2025-01-01T00:00:00Z",
      batchSize: 10_000,
      pollMs: 100,
    });
    const seconds = (performance.now() - started) / 1000;
    const written = job.views.reduce((sum, v) => sum + v.written, 0);
    const read = options.entities * options.rowsPerEntity * options.files.length;
    const check = await gyre.features.getOnline({ entities: [{ driver_id: 1 }], featureService: "all" });
    const statuses = Object.values(check.results[0]!.statuses);
    if (statuses.some((s) => s !== "PRESENT"))
      throw new Error(`online check: ${JSON.stringify(check.results[0])}`);
    const bodies = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ entities: [{ driver_id: (i * 7919) % options.entities }], feature_service: "all" }),
    );
    const requests = httpRequests("/api/2.0/gyre/features/online", bodies);
    const load = { requests, durationMs: options.seconds * 1000, loadGenerator: options.loadGenerator };
    const { figures } = await measure(server, load);
    const paced: Record<string, Figures> = {};
    for (const rate of options.pacedRates) {
      paced[String(rate)] = (await measure(server, { ...load, ratePerS: rate })).figures;
    }
    let several: Figures | undefined;
    if (options.processes > 1) {
      await server.stop();
      server = await startServer(options.dir, options.onlineStore, options.serverFlags, options.processes);
      several = (await measure(server, load)).figures;
    }
    const measureFloor = async (
      kind: keyof typeof FLOOR_SERVERS,
      rates: readonly number[] = [],
    ): Promise<Figures & { paced?: Record<string, Figures> }> => {
      const floorServer = await startFloor(options.dir, JSON.stringify(check), kind);
      try {
        const figures = (await measure(floorServer, load)).figures;
        if (rates.length === 0) return figures;
        const paced: Record<string, Figures> = {};
        for (const rate of rates)
          paced[String(rate)] = (await measure(floorServer, { ...load, ratePerS: rate })).figures;
        return { ...figures, paced };
      } finally {
        await floorServer.stop();
      }
    };
    const floor = await measureFloor("fastify");
    // The same paced load on the least server: the harness's own latency at those rates.
    const rawFloor = await measureFloor("node_http", options.pacedRates);
    return {
      ...figures,
      ...(several ? { [`processes_${options.processes}`]: several } : {}),
      paced,
      floor,
      floor_node_http: rawFloor,
      server_cpu_ratio_to_floor:
        Math.round((figures.server_cpu_us_per_request / floor.server_cpu_us_per_request) * 100) / 100,
      features_per_request: statuses.length,
      materialize: {
        seconds: Math.round(seconds * 100) / 100,
        rows_read: read,
        entities_written: written,
        rows_per_s: Math.round(read / seconds),
        entities_per_s: Math.round(written / seconds),
      },
    };
  } finally {
    await server.stop();
  }
}
