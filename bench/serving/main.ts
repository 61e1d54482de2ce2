/**
 * Serving benchmark (issue 3): a 20-feature logistic regression and a 100-tree depth-6 ensemble,
 * each served by `gyre serve` over loopback and loaded with batch-1 Open Inference Protocol
 * requests (50 connections, 10 s, 1,000 distinct bodies), beside the floor — a bare Fastify POST
 * route parsing and validating the same body — and beside the design's ceiling, a bare node:http
 * server batching into onnxruntime with nothing else; then `--workers 2` against one process;
 * then 100,000 requests while the alias moves 10 times. stdout: one JSON line; progress on stderr.
 *
 * Options: --workers N             processes for the multi-process runs (default 2)
 *          --prediction-log on|off  gyre serve's prediction log (default on, as it ships)
 *          --rounds N               repeat every scenario N times, interleaved; medians reported (default 1)
 *          --seconds S              measured window per scenario (default 10)
 *          --skip-alias             leave out the 100,000-request alias-move run
 *          --load-generator G       wrk, node or auto (default: wrk when installed, else node)
 *          --paced-rates R,R        open-loop rates (requests/s) for one process (default 10000; none = skip)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { aliasMoves } from "./alias.js";
import { httpRequests, v2Bodies } from "./bodies.js";
import { chooseLoadGenerator, type Figures, measure, pacedRates, SECONDS } from "./measure.js";
import { logregGraph, treesGraph, writeModel } from "./models.js";
import { type ServerProcess, startBareBatching, startFloor, startGyreServe } from "./processes.js";
import { type ModelFigures, reportLine } from "./report.js";

/** A hung server must not keep the benchmark alive. */
const WATCHDOG_MS = 10 * 60_000;

function log(message: string): void {
  process.stderr.write(`[bench serving ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: "string", default: "2" },
      "prediction-log": { type: "string", default: "on" },
      rounds: { type: "string", default: "1" },
      seconds: { type: "string", default: String(SECONDS) },
      "skip-alias": { type: "boolean", default: false },
      "load-generator": { type: "string", default: "auto" },
      "paced-rates": { type: "string", default: "10000" },
    },
    // bench/run.mjs passes every benchmark the same arguments; ignore the others'.
    strict: false,
  });
  const workers = Number(values.workers);
  const predictionLog = values["prediction-log"] !== "off";
  const rounds = Math.max(1, Number(values.rounds) || 1);
  const seconds = Math.max(1, Number(values.seconds) || SECONDS);
  const durationMs = seconds * 1000;
  const load = chooseLoadGenerator(values["load-generator"]);
  const rates = pacedRates(values["paced-rates"]);
  const loadGenerator = load.generator;
  const loadBefore = loadavg()[0]!;
  setTimeout(() => {
    log(`watchdog: still running after ${WATCHDOG_MS / 60_000} min, giving up`);
    process.exit(1);
  }, WATCHDOG_MS).unref();

  const dir = await mkdtemp(path.join(tmpdir(), "gyre-bench-serving-"));
  try {
    const bodies = v2Bodies();
    const dirs = {
      logreg: await writeModel(path.join(dir, "logreg20"), logregGraph()),
      trees: await writeModel(path.join(dir, "trees100d6"), treesGraph()),
    };

    /** The references are measured just before each model, so all see the machine in the same state. */
    const measureReference = async (what: string, start: () => Promise<ServerProcess>): Promise<Figures> => {
      const server = await start();
      try {
        const { figures } = await measure(server, {
          requests: httpRequests("/v2/models/reference/infer", bodies),
          durationMs,
          loadGenerator,
        });
        log(`${what}: ${figures.requests_per_s} req/s, p99 ${figures.p99_ms} ms`);
        return figures;
      } finally {
        await server.stop();
      }
    };

    const models: Record<"logreg" | "trees", ModelFigures[]> = { logreg: [], trees: [] };
    for (let round = 0; round < rounds; round++) {
      if (rounds > 1) log(`round ${round + 1} of ${rounds}`);
      for (const name of ["logreg", "trees"] as const) {
        const run = async (
          count: number,
          logged = predictionLog,
          paced?: Record<string, Figures>,
        ): Promise<Figures> => {
          const server = await startGyreServe(
            [
              dirs[name],
              "--port",
              "0",
              "--name",
              name,
              "--workers",
              String(count),
              "--prediction-log",
              logged ? path.join(dir, "predictions", `${name}-${count}`) : "off",
            ],
            path.join(dir, "home"),
          );
          try {
            const load = {
              requests: httpRequests(`/v2/models/${name}/infer`, bodies),
              durationMs,
              loadGenerator,
            };
            const { figures } = await measure(server, load);
            const what = `${name}, ${count} process(es)${logged ? "" : ", no prediction log"}`;
            log(`${what}: ${figures.requests_per_s} req/s, p99 ${figures.p99_ms} ms`);
            for (const rate of paced ? rates : []) {
              const at = await measure(server, { ...load, ratePerS: rate });
              paced![String(rate)] = at.figures;
              log(
                `${what}, paced at ${rate} req/s: p50 ${at.figures.p50_ms} ms, p99 ${at.figures.p99_ms} ms`,
              );
            }
            return figures;
          } finally {
            await server.stop();
          }
        };
        const floor = await measureReference("floor", startFloor);
        const bare = await measureReference(`${name}, bare batching`, () =>
          startBareBatching(path.join(dirs[name], "model.onnx")),
        );
        const paced: Record<string, Figures> = {};
        models[name].push({
          floor,
          bare_batching: bare,
          one_process: await run(1, predictionLog, paced),
          ...(rates.length > 0 ? { paced } : {}),
          // What the prediction log costs, measured beside it (its worker thread shares the cores).
          ...(predictionLog ? { one_process_no_log: await run(1, false) } : {}),
          workers: await run(workers),
        });
      }
    }

    const alias = values["skip-alias"] ? undefined : await aliasMoves(path.join(dir, "alias"), bodies, log);
    const aliasFigures = alias ? (({ latency: _, ...rest }) => rest)(alias) : undefined;
    process.stdout.write(
      `${JSON.stringify(
        reportLine({
          models,
          alias: aliasFigures,
          workers,
          predictionLog,
          loadBefore,
          seconds,
          loadGenerator: load.description,
        }),
      )}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main().catch((error: unknown) => {
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
