import { fileURLToPath } from "node:url";
import { type LoadOptions, type LoadResult, LoadRun } from "./loadgen.js";
import {
  machineBusyMs,
  type ServerProcess,
  serverChildren,
  serverCpuMs,
  serverEventLoopCpuMs,
} from "./processes.js";
import { type ChildLoadResult, runChildProcess, runWrk, withRequestsFile, wrkVersion } from "./wrk.js";

const PACED_CHILD = fileURLToPath(new URL("./paced-child.js", import.meta.url));

export const CONNECTIONS = 50;
export const SECONDS = 10;
const WARM_UP_MS = 2_000;

/**
 * Who loads the server: wrk when installed (the CPU it takes from the shared cores is a fraction
 * of a Node client's), else the raw-socket Node client of loadgen.ts. Runs that watch answers
 * as they arrive (the alias mover) always use the Node client.
 */
export type LoadGenerator = "wrk" | "node";

/**
 * The `--load-generator wrk|node|auto` option: auto (the default) takes wrk when it is installed.
 * Returns the choice and how the report describes it.
 */
export function chooseLoadGenerator(flag: unknown): { generator: LoadGenerator; description: string } {
  const version = flag === "node" ? undefined : wrkVersion();
  if (flag === "wrk" && version === undefined) throw new Error("--load-generator wrk: wrk is not on PATH");
  if (version !== undefined) {
    return { generator: "wrk", description: `wrk ${version}, 1 thread, closed loop (bench/serving/wrk.ts)` };
  }
  return {
    generator: "node",
    description: "closed-loop raw-socket HTTP/1.1 client in the benchmark process (bench/serving/loadgen.ts)",
  };
}

/** `--paced-rates 1000,10000`: open-loop request rates, positive; "none" for none. */
export function pacedRates(flag: unknown): number[] {
  if (flag === "none" || flag === "") return [];
  const rates = String(flag).split(",").map(Number);
  if (rates.some((r) => !(r > 0))) {
    throw new Error(`--paced-rates ${String(flag)}: give positive request rates, comma-separated`);
  }
  return rates;
}

/** One scenario's figures: throughput, latency, and who spent the CPU. */
export interface Figures {
  load_generator: LoadGenerator;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** The server's CPU (all its processes and threads) per answered request. */
  server_cpu_us_per_request: number;
  /**
   * The part spent on the servers' event loops (main threads): what limits one process's
   * throughput. The rest is V8's GC helpers and worker threads (the prediction log's).
   */
  event_loop_cpu_us_per_request: number;
  /** Average cores busy during the window: the server, this load generator, everything else. */
  cores: { server: number; load_generator: number; other_tenants: number };
  requests: number;
  errors: number;
  /** Open loop only: the rate requests fell due at (the achieved rate is `requests_per_s`). */
  offered_per_s?: number;
  /** Open loop only: the 99.9th percentile, which a paced run has enough samples for. */
  p999_ms?: number;
  /** Open loop only: the client's longest event-loop delay (a client stall would be timed too). */
  client_loop_delay_max_ms?: number;
}

/** Nearest-rank percentile of latencies (ms). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * A warm-up, then the measured window, with CPU read around it: the server's from /proc (it and
 * its cluster workers), ours from process.cpuUsage, the machine's from /proc/stat.
 */
export async function measure(
  server: ServerProcess,
  options: Omit<LoadOptions, "port" | "connections" | "durationMs"> & {
    durationMs?: number;
    loadGenerator?: LoadGenerator;
  },
  watch?: (run: LoadRun) => void,
): Promise<{ figures: Figures; result?: LoadResult }> {
  const base = { port: server.port, connections: CONNECTIONS, requests: options.requests };
  const durationMs = options.durationMs ?? SECONDS * 1000;
  if (options.ratePerS !== undefined) {
    const rate = options.ratePerS;
    const paced = await measureInChild(
      server,
      "node",
      (durationMs) => runPaced({ ...base, durationMs, rate }),
      durationMs,
    );
    return { figures: paced };
  }
  if (options.loadGenerator === "wrk" && !watch && !options.onBody) {
    return {
      figures: await measureInChild(
        server,
        "wrk",
        (durationMs) => runWrk({ ...base, durationMs }),
        durationMs,
      ),
    };
  }
  await new LoadRun({ ...base, durationMs: WARM_UP_MS }).run();
  const children = serverChildren(server.pid);
  const server0 = serverCpuMs(server.pid, children);
  const loop0 = serverEventLoopCpuMs(server.pid, children);
  const client0 = process.cpuUsage();
  const busy0 = machineBusyMs();
  const run = new LoadRun({ ...base, ...options, durationMs });
  watch?.(run);
  const result = await run.run();
  const serverMs = serverCpuMs(server.pid, children) - server0;
  const loopMs = serverEventLoopCpuMs(server.pid, children) - loop0;
  const clientUsage = process.cpuUsage(client0);
  const clientMs = (clientUsage.user + clientUsage.system) / 1000;
  const busyMs = machineBusyMs() - busy0;
  const sorted = result.latenciesMs.sort();
  const seconds = result.elapsedMs / 1000;
  return {
    result,
    figures: {
      load_generator: "node",
      requests_per_s: Math.round(result.ok / seconds),
      p50_ms: round(percentile(sorted, 50), 2),
      p99_ms: round(percentile(sorted, 99), 2),
      server_cpu_us_per_request: round((serverMs * 1000) / Math.max(1, result.ok), 1),
      event_loop_cpu_us_per_request: round((loopMs * 1000) / Math.max(1, result.ok), 1),
      cores: {
        server: round(serverMs / result.elapsedMs, 2),
        load_generator: round(clientMs / result.elapsedMs, 2),
        other_tenants: round(Math.max(0, busyMs - serverMs - clientMs) / result.elapsedMs, 2),
      },
      requests: result.answered,
      errors: result.non2xx + result.socketErrors,
    },
  };
}

/** An open-loop run of paced-child.ts (a process of its own, so the bench's heap stays out of it). */
function runPaced(options: {
  port: number;
  requests: readonly Buffer[];
  connections: number;
  durationMs: number;
  rate: number;
}): Promise<ChildLoadResult & { offeredPerS: number }> {
  return withRequestsFile(options.requests, async (file) => {
    const args = [options.port, file, options.rate, options.durationMs, options.connections].map(String);
    const { out, cpuMs } = await runChildProcess(process.execPath, [PACED_CHILD, ...args]);
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (!line) throw new Error(`paced-child printed no figures: ${out}`);
    // The child's CPU as the parent reaped it (it includes start-up) stands in for its own count.
    return { ...(JSON.parse(line) as ChildLoadResult), cpuMs, offeredPerS: options.rate };
  });
}

/**
 * The same figures with a load generator in a child process (wrk, or the paced Node client): a
 * warm-up run, then the measured one, with the server's and the machine's CPU read around it.
 */
async function measureInChild(
  server: ServerProcess,
  generator: LoadGenerator,
  run: (durationMs: number) => Promise<ChildLoadResult & { offeredPerS?: number }>,
  durationMs: number,
): Promise<Figures> {
  await run(WARM_UP_MS);
  const children = serverChildren(server.pid);
  const server0 = serverCpuMs(server.pid, children);
  const loop0 = serverEventLoopCpuMs(server.pid, children);
  const busy0 = machineBusyMs();
  const result = await run(durationMs);
  const serverMs = serverCpuMs(server.pid, children) - server0;
  const loopMs = serverEventLoopCpuMs(server.pid, children) - loop0;
  const busyMs = machineBusyMs() - busy0;
  // The child's window is its own duration; the CPU readings also span its start and exit (≈ ms).
  const elapsedMs = result.elapsedMs;
  return {
    load_generator: generator,
    requests_per_s: Math.round(result.ok / (elapsedMs / 1000)),
    p50_ms: round(result.p50Ms, 2),
    p99_ms: round(result.p99Ms, 2),
    server_cpu_us_per_request: round((serverMs * 1000) / Math.max(1, result.ok), 1),
    event_loop_cpu_us_per_request: round((loopMs * 1000) / Math.max(1, result.ok), 1),
    cores: {
      server: round(serverMs / elapsedMs, 2),
      load_generator: round(result.cpuMs / elapsedMs, 2),
      other_tenants: round(Math.max(0, busyMs - serverMs - result.cpuMs) / elapsedMs, 2),
    },
    requests: result.ok + result.non2xx,
    errors: result.non2xx + result.socketErrors,
    ...(result.offeredPerS === undefined
      ? {}
      : {
          offered_per_s: result.offeredPerS,
          p999_ms: round(result.p999Ms ?? Number.NaN, 2),
          client_loop_delay_max_ms: round(result.loopDelayMaxMs ?? Number.NaN, 2),
        }),
  };
}
