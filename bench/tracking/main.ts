/**
 * Tracking benchmark (issue 2): spec mlflow-rest.md §9's workload against Gyre on each backend.
 * stdout: exactly one JSON line per backend; everything else goes to stderr.
 *
 * Options: --backend sqlite|postgresql (repeatable; default both)
 *          --client http|fetch  the client's transport (default http; see transport.ts)
 *          --profile <dir>  write a server CPU profile per phase (<backend>-<phase>.cpuprofile)
 *          --server <script>  another build's server child (same IPC protocol as gyre-server.ts),
 *                   for A/B comparisons of two builds under the same load
 *          --server-flag <node flag>  passed to the server child's node (repeatable), e.g.
 *                   --server-flag=--max-semi-space-size=32 to see what a larger young generation buys
 * Env:     GYRE_BENCH_POSTGRES_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres)
 *          CI=true makes an unreachable PostgreSQL an error instead of a skip.
 */
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BACKENDS, type BackendName, BackendUnavailable, provision } from "./backends.js";
import { planRuns } from "./data.js";
import { reportLine, skippedLine } from "./report.js";
import { TRANSPORTS, type TransportName, transport } from "./transport.js";
import { measureFloor, measureGyre, type Options } from "./workload.js";

/**
 * The whole benchmark takes about a minute on 2 cores. A hung server must not keep it alive:
 * past this, exit non-zero (server children notice the closed IPC channel and stop themselves).
 */
const WATCHDOG_MS = 15 * 60_000;

function log(message: string): void {
  process.stderr.write(`[bench tracking ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function oneOf<T extends string>(what: string, allowed: readonly T[], value: string): T {
  if (!allowed.includes(value as T)) {
    throw new Error(`unknown ${what} '${value}' (one of ${allowed.join(", ")})`);
  }
  return value as T;
}

interface Cli {
  /** Read before any work, so it shows neighbours' load, not the tail of our own first backend. */
  loadBefore: number;
  backends: BackendName[];
  client: TransportName;
  options: Options;
}

function parseCli(): Cli {
  const { values } = parseArgs({
    options: {
      backend: { type: "string", multiple: true },
      client: { type: "string", default: "http" },
      profile: { type: "string" },
      server: { type: "string" },
      "server-flag": { type: "string", multiple: true },
    },
  });
  const backends = (values.backend ?? [...BACKENDS]).map((name) => oneOf("backend", BACKENDS, name));
  const client = oneOf("client", TRANSPORTS, values.client);
  const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const serverScript = values.server === undefined ? undefined : resolve(values.server);
  const serverFlags = values["server-flag"] ?? [];
  const options = { transport: transport(client), profileDir, serverScript, serverFlags, log };
  return { loadBefore: loadavg()[0]!, backends, client, options };
}

/** One backend: a fresh store, the floor measured just before (same load conditions), then Gyre. */
async function benchBackend(backend: BackendName, cli: Cli): Promise<void> {
  const { client, options, loadBefore } = cli;
  const plan = planRuns();
  const store = await provision(backend);
  try {
    const floor = await measureFloor(plan, options);
    const figures = await measureGyre(backend, store, plan, options);
    emit(
      reportLine(backend, {
        ...figures,
        floor_requests_per_s: floor.requestsPerS,
        floor_request: floor.perRequest,
        loadavg_1m_before: loadBefore,
        client,
        server_flags: options.serverFlags,
      }),
    );
  } finally {
    await store.dispose();
  }
}

async function main(): Promise<void> {
  let cli: Cli;
  try {
    cli = parseCli();
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  setTimeout(() => {
    log(`watchdog: still running after ${WATCHDOG_MS / 60_000} min, giving up`);
    process.exit(1);
  }, WATCHDOG_MS).unref();
  for (const backend of cli.backends) {
    const started = Date.now();
    try {
      await benchBackend(backend, cli);
      log(`${backend}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      if (error instanceof BackendUnavailable) {
        emit(skippedLine(backend, error.message));
        // CI promises PostgreSQL; a skip there would hide a broken setup.
        if (process.env.CI === "true") {
          log(`${backend}: unavailable under CI=true — failing`);
          process.exitCode = 1;
        }
        continue;
      }
      log(`${backend}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    }
  }
}

await main();
