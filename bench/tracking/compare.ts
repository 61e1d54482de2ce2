/**
 * Interleaved A/B comparison of two server builds on the tracking workload. On a shared machine
 * a figure measured a minute apart can move 2× with the neighbours' load, so both servers run at
 * once and the client alternates between them in small blocks: each phase's server CPU per
 * operation, for A and B, is summed over the same stretches of time and printed with B/A.
 *
 * Usage: node bench/dist/tracking/compare.js --a <server script> [--b <server script>]
 *          [--backend sqlite|postgresql] [--rounds N]
 * A server script speaks child-protocol.ts (gyre-server.js does; --b defaults to it).
 * stdout: one JSON line; progress on stderr.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BACKENDS, provision, type Store } from "./backends.js";
import { JsonClient } from "./client.js";
import { HISTORY_BATCH, historyBatch, planRuns, SEARCH_FILTER, SEED, seededRandom } from "./data.js";
import {
  createdRunId,
  createExperiment,
  readHistory,
  runLoop,
  searchAll,
  searchFirstPage,
} from "./phases.js";
import { ServerChild } from "./processes.js";
import { sig3 } from "./stats.js";
import { transport } from "./transport.js";

const API = "/api/2.0/mlflow";
const RUN_BLOCK = 100;
const INGEST_BLOCK = 10;

interface Side {
  name: "a" | "b";
  server: ServerChild;
  store: Store;
  client: JsonClient;
  experimentId: string;
  historyRunId: string;
  /** Server CPU ms and wall ms per phase, summed over the blocks. */
  cpu: Map<string, number>;
  wall: Map<string, number>;
}

function log(message: string): void {
  process.stderr.write(`[bench tracking compare] ${message}\n`);
}

async function start(name: "a" | "b", script: string, backend: (typeof BACKENDS)[number]): Promise<Side> {
  const store = await provision(backend);
  const server = await ServerChild.start(script, [store.uri, store.artifacts], `server ${name}`);
  const client = new JsonClient(server.baseUrl, transport("http"));
  const experimentId = await createExperiment(client, "bench-runs");
  const historyExperimentId = await createExperiment(client, "bench-history");
  const created = await client.post(`${API}/runs/create`, {
    experiment_id: historyExperimentId,
    start_time: 0,
  });
  const historyRunId = createdRunId(created.value);
  return { name, server, store, client, experimentId, historyRunId, cpu: new Map(), wall: new Map() };
}

/** Runs `body` on one side, adding its server CPU and wall time to the phase's totals. */
async function block(side: Side, phase: string, body: () => Promise<unknown>): Promise<void> {
  const before = await side.server.cpuMs();
  const started = performance.now();
  await body();
  const wall = performance.now() - started;
  const cpu = (await side.server.cpuMs()) - before;
  side.cpu.set(phase, (side.cpu.get(phase) ?? 0) + cpu);
  side.wall.set(phase, (side.wall.get(phase) ?? 0) + wall);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      a: { type: "string" },
      b: { type: "string" },
      backend: { type: "string", default: "sqlite" },
      rounds: { type: "string", default: "5" },
    },
  });
  if (!values.a || !BACKENDS.includes(values.backend as never)) {
    log("usage: compare.js --a <server script> [--b <server script>] [--backend sqlite|postgresql]");
    process.exitCode = 2;
    return;
  }
  const backend = values.backend as (typeof BACKENDS)[number];
  const rounds = Number(values.rounds);
  const scriptB = values.b ?? fileURLToPath(new URL("./gyre-server.js", import.meta.url));
  const sides = [await start("a", values.a, backend), await start("b", scriptB, backend)];
  try {
    const plan = planRuns();
    const ops: Record<string, number> = {};
    const both = async (phase: string, body: (side: Side) => Promise<unknown>) => {
      // Alternate which side goes first so neither always follows the other's garbage.
      for (const side of ops[phase]! % 2 === 0 ? sides : [...sides].reverse()) {
        await block(side, phase, () => body(side));
      }
    };
    ops.run = 0;
    log("phase (a): runs, alternating blocks");
    for (let first = 0; first < plan.length; first += RUN_BLOCK) {
      const slice = plan.slice(first, first + RUN_BLOCK);
      await both("run", (s) => runLoop(s.client, s.experimentId, slice, createdRunId));
      ops.run += slice.length;
    }
    log("phase (b): history ingest, alternating blocks");
    ops.batch_1000_points = 0;
    const randoms = new Map(sides.map((s) => [s.name, seededRandom(SEED + 1)]));
    for (let batch = 0; batch < 100; batch += INGEST_BLOCK) {
      await both("batch_1000_points", async (s) => {
        for (let i = batch; i < batch + INGEST_BLOCK; i++) {
          const metrics = historyBatch(randoms.get(s.name)!, i * HISTORY_BATCH, HISTORY_BATCH, 0);
          await s.client.post(`${API}/runs/log-batch`, { run_id: s.historyRunId, metrics });
        }
      });
      ops.batch_1000_points += INGEST_BLOCK;
    }
    log("phases (c), (d): reads, alternating");
    for (const phase of ["history_100k", "search_filtered", "search_unfiltered_1000"]) ops[phase] = 0;
    for (let round = 0; round < rounds; round++) {
      await both("history_100k", (s) => readHistory(s.client, s.historyRunId));
      await both("search_filtered", (s) => searchAll(s.client, s.experimentId, SEARCH_FILTER));
      await both("search_unfiltered_1000", (s) => searchFirstPage(s.client, s.experimentId));
      for (const phase of ["history_100k", "search_filtered", "search_unfiltered_1000"]) ops[phase]! += 1;
    }
    const perOp = (totals: Map<string, number>) =>
      Object.fromEntries(Object.entries(ops).map(([phase, n]) => [phase, sig3(totals.get(phase)! / n)]));
    const [a, b] = sides as [Side, Side];
    const cpuA = perOp(a.cpu);
    const cpuB = perOp(b.cpu);
    process.stdout.write(
      `${JSON.stringify({
        bench: "tracking-compare",
        backend,
        server_cpu_ms_per_op: { a: cpuA, b: cpuB },
        b_over_a_cpu: Object.fromEntries(Object.keys(ops).map((p) => [p, sig3(cpuB[p]! / cpuA[p]!)])),
        wall_ms_per_op: { a: perOp(a.wall), b: perOp(b.wall) },
      })}\n`,
    );
  } finally {
    for (const side of sides) {
      await side.server.stop();
      await side.store.dispose();
    }
  }
}

await main();
