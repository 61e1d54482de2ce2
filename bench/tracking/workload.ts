import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendName, Store } from "./backends.js";
import { JsonClient } from "./client.js";
import { expectedFilterHits, HISTORY_POINTS, type PlannedRun, SEARCH_FILTER } from "./data.js";
import {
  createdRunId,
  createExperiment,
  ingestHistory,
  readHistory,
  runLoop,
  type Sample,
  searchAll,
  searchFirstPage,
} from "./phases.js";
import { ServerChild } from "./processes.js";
import type { CpuSplit, GyreFigures, Split } from "./report.js";
import { median, spread } from "./stats.js";
import type { Transport } from "./transport.js";

const GYRE_SERVER = fileURLToPath(new URL("./gyre-server.js", import.meta.url));
const FLOOR_SERVER = fileURLToPath(new URL("./floor-server.js", import.meta.url));
const REPEATS = 5;
const UNFILTERED_PAGE = 1_000;
/** Same length as a Gyre run id, so the floor's requests are byte-for-byte the same size. */
const STAND_IN_RUN_ID = "0".repeat(32);
/**
 * Untimed client warm-up loops before the floor: fetch's CPU per request falls from ~0.7 ms to
 * ~0.4 ms over its first few thousand requests as V8 tiers it up. Without this the floor would
 * be lowered by the client's own warm-up, from which Gyre (measured after it) then profits.
 */
const WARM_UP_LOOPS = 1;

export interface Options {
  transport: Transport;
  /** When set, each phase's server CPU profile is written there as <backend>-<phase>.cpuprofile. */
  profileDir: string | undefined;
  /** The server child's script; gyre-server.js unless comparing another build. */
  serverScript: string | undefined;
  /** Node flags for the server child (none by default: the server as `gyre server` runs it). */
  serverFlags: readonly string[];
  log(message: string): void;
}

export interface FloorResult {
  requestsPerS: number;
  perRequest: Split;
}

/**
 * Phase (a)'s exact request loop against a server that only answers `{}`: what this client,
 * loopback and node:http cost per request right now.
 */
export async function measureFloor(plan: readonly PlannedRun[], options: Options): Promise<FloorResult> {
  const server = await ServerChild.start(FLOOR_SERVER, [], "floor server");
  try {
    const client = new JsonClient(server.baseUrl, options.transport);
    const loop = () => runLoop(client, "0", plan, () => STAND_IN_RUN_ID);
    options.log("floor: client warm-up, then phase (a)'s loop against a bare node:http server");
    for (let i = 0; i < WARM_UP_LOOPS; i++) await loop();
    const measured = await metered(server, loop);
    const { requests, wallMs } = measured.value;
    return { requestsPerS: requests / (wallMs / 1000), perRequest: split(wallMs, measured, requests) };
  } finally {
    await server.stop();
  }
}

/** Runs phases (a)–(d) against a Gyre child over `store`; everything but the floor figures. */
export async function measureGyre(
  backend: BackendName,
  store: Store,
  plan: readonly PlannedRun[],
  options: Options,
): Promise<GyreFigures> {
  const server = await ServerChild.start(
    options.serverScript ?? GYRE_SERVER,
    [store.uri, store.artifacts],
    `gyre server (${backend})`,
    options.serverFlags,
  );
  try {
    const client = new JsonClient(server.baseUrl, options.transport);
    return await workload(new Phases(backend, server, options), client, plan);
  } finally {
    await server.stop();
  }
}

async function workload(
  phases: Phases,
  client: JsonClient,
  plan: readonly PlannedRun[],
): Promise<GyreFigures> {
  const experimentId = await createExperiment(client, "bench-runs");
  // The long history lives in its own experiment, so the searches see exactly the 2,000 runs.
  const historyExperimentId = await createExperiment(client, "bench-history");

  const runs = await phases.run("a-runs", () => runLoop(client, experimentId, plan, createdRunId));
  const ingest = await phases.run("b-ingest", () => ingestHistory(client, historyExperimentId));
  const history = await phases.run("c-history", () => repeat(() => readHistory(client, ingest.value.runId)));
  const expected = expectedFilterHits(plan).map((i) => runs.value.runIds[i]!);
  const filtered = await phases.run("d-search-filtered", () =>
    repeat(async () => {
      const result = await searchAll(client, experimentId, SEARCH_FILTER);
      assertSameRuns(result.runIds, expected);
      return result;
    }),
  );
  const unfiltered = await phases.run("d-search-unfiltered", () =>
    repeat(async () => {
      const result = await searchFirstPage(client, experimentId);
      if (result.runIds.length !== UNFILTERED_PAGE) {
        throw new Error(`unfiltered search returned ${result.runIds.length} runs, not ${UNFILTERED_PAGE}`);
      }
      return result;
    }),
  );

  const runSeconds = runs.value.wallMs / 1000;
  return {
    runs_per_s: plan.length / runSeconds,
    requests_per_s: runs.value.requests / runSeconds,
    points_per_s: HISTORY_POINTS / (ingest.value.wallMs / 1000),
    history_100k_ms: medianMs(history.value),
    search_filtered_ms: medianMs(filtered.value),
    search_filtered_hits: expected.length,
    search_unfiltered_1000_ms: medianMs(unfiltered.value),
    latency_ms: {
      runs_create: spread(runs.value.latencyMs.create),
      runs_log_batch_15: spread(runs.value.latencyMs.logBatch),
      runs_update: spread(runs.value.latencyMs.update),
      runs_log_batch_1000_points: spread(ingest.value.batchMs),
    },
    a_request: split(runs.value.wallMs, runs, runs.value.requests),
    cpu: {
      run_ms: perOp(runs, plan.length),
      point_written_us: perOp(ingest, HISTORY_POINTS / 1000),
      history_100k_ms: perOp(history, REPEATS),
      search_filtered_ms: perOp(filtered, REPEATS),
      search_unfiltered_1000_ms: perOp(unfiltered, REPEATS),
    },
    response_bytes: {
      history_100k: history.value[0]!.bytes,
      search_filtered: filtered.value[0]!.bytes,
      search_unfiltered_1000: unfiltered.value[0]!.bytes,
    },
  };
}

/** Wraps each phase with the CPU meters and, when asked, a CPU profile of that phase alone. */
class Phases {
  constructor(
    private readonly backend: BackendName,
    private readonly server: ServerChild,
    private readonly options: Options,
  ) {}

  async run<T>(name: string, body: () => Promise<T>): Promise<Metered<T>> {
    this.options.log(`${this.backend}: phase ${name}`);
    const { profileDir } = this.options;
    if (profileDir) await this.server.profileStart();
    const result = await metered(this.server, body);
    if (profileDir) await this.server.profileStop(join(profileDir, `${this.backend}-${name}.cpuprofile`));
    return result;
  }
}

interface Metered<T> {
  value: T;
  /** CPU of the server child (all its threads); a PostgreSQL server's own CPU is not in it. */
  serverCpuMs: number;
  /** CPU of this process, i.e. the client (servers run in children). */
  clientCpuMs: number;
}

async function metered<T>(server: ServerChild, body: () => Promise<T>): Promise<Metered<T>> {
  const serverBefore = await server.cpuMs();
  const clientBefore = process.cpuUsage();
  const value = await body();
  const client = process.cpuUsage(clientBefore);
  const serverCpuMs = (await server.cpuMs()) - serverBefore;
  return { value, serverCpuMs, clientCpuMs: (client.user + client.system) / 1000 };
}

function perOp(meter: Metered<unknown>, operations: number): CpuSplit {
  return { server: meter.serverCpuMs / operations, client: meter.clientCpuMs / operations };
}

/** Where one request's wall time went: server CPU, client CPU, and (the rest) kernel and waiting. */
function split(wallMs: number, meter: Metered<unknown>, requests: number): Split {
  return {
    wall_ms: wallMs / requests,
    server_cpu_ms: meter.serverCpuMs / requests,
    client_cpu_ms: meter.clientCpuMs / requests,
  };
}

async function repeat<T>(measure: () => Promise<T>): Promise<T[]> {
  const samples: T[] = [];
  for (let i = 0; i < REPEATS; i++) samples.push(await measure());
  return samples;
}

function medianMs(samples: readonly Sample[]): number {
  return median(samples.map((s) => s.ms));
}

/** The filtered search must return exactly the runs the client logged to match, no more, no fewer. */
function assertSameRuns(actual: readonly string[], expected: readonly string[]): void {
  const want = new Set(expected);
  const got = new Set(actual);
  const missing = expected.filter((id) => !got.has(id));
  const extra = actual.filter((id) => !want.has(id));
  if (missing.length > 0 || extra.length > 0 || actual.length !== expected.length) {
    throw new Error(
      `filtered search returned ${actual.length} runs, expected ${expected.length} ` +
        `(${missing.length} missing, ${extra.length} unexpected)`,
    );
  }
}
