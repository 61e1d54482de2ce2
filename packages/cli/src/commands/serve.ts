import cluster from "node:cluster";
import path from "node:path";
import { defineCommand, integerFlag } from "../command.js";
import { type CliContext, printLine } from "../io.js";
import { gyreHome, resolveTrackingTarget } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { ClusterServing, runServeWorker, WORKER_ENV } from "./serve-cluster.js";
import { ModelCache } from "./serve-download.js";
import { type EngineConfig, ServeEngine, type ServingTarget } from "./serve-engine.js";
import { AliasFollower } from "./serve-follow.js";
import { openRegistry, type RegistryConnection } from "./serve-registry.js";
import { type ModelRef, parseModelRef, type ResolvedModel, resolveModel } from "./serve-source.js";

/** What an unversioned model (a run's artifacts, a directory) is keyed as inside its deployment. */
const LOCAL_VERSION = "local";
const OFF = "off";

export const serveCommand = defineCommand({
  words: ["serve"],
  arguments: ["MODEL_URI"],
  summary: "Serve a model: MLflow /invocations, Open Inference Protocol v2, KServe V1 and /metrics.",
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8080" },
    name: { type: "string" },
    "tracking-uri": { type: "string" },
    "follow-alias-seconds": { type: "string", default: "5" },
    "prediction-log": { type: "string" },
    "max-batch-rows": { type: "string", default: "128" },
    "extra-wait-turns": { type: "string", default: "0" },
    workers: { type: "string", default: "1" },
  },
  optionHelp: [
    ["MODEL_URI", "models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH or a model directory"],
    ["--host HOST", "Interface to listen on (default: 127.0.0.1)"],
    ["--port PORT", "Port to listen on, 0 for any free port (default: 8080)"],
    ["--name NAME", "Endpoint name (default: the registered model's, else the directory's name)"],
    ["--tracking-uri URI", "Registry: http(s) server, or sqlite:/postgresql: store opened in-process"],
    ["", "(default: $GYRE_TRACKING_URI, $MLFLOW_TRACKING_URI, else the store in $GYRE_HOME)"],
    [
      "--follow-alias-seconds S",
      "Poll an alias this often and hot-swap when it moves; 0: never (default: 5)",
    ],
    ["--prediction-log DIR", "Log every prediction there as JSONL by day, or 'off'"],
    ["", "(default: $GYRE_HOME/prediction-log/NAME)"],
    ["--max-batch-rows N", "Rows one model run may combine from concurrent requests (default: 128)"],
    ["--extra-wait-turns N", "Event-loop turns to wait for a fuller batch (default: 0)"],
    ["--workers N", "Processes sharing the port, one per core (default: 1)"],
  ],
  async run({ values, positionals: [uri = ""] }, context) {
    const workerSetup = context.env[WORKER_ENV];
    if (cluster.isWorker && workerSetup) return runServeWorker(workerSetup);
    const settings = {
      host: values.host,
      port: integerFlag("port", values.port, 0, 65_535)!,
      maxBatchRows: integerFlag("max-batch-rows", values["max-batch-rows"], 1, 1_000_000)!,
      extraWaitTurns: integerFlag("extra-wait-turns", values["extra-wait-turns"], 0, 1000)!,
      workers: integerFlag("workers", values.workers, 1, 256)!,
      followMs: secondsFlag("follow-alias-seconds", values["follow-alias-seconds"]),
    };
    // Listen for signals first: a Ctrl+C while the model downloads still shuts down cleanly.
    const shutdown = context.untilShutdown();
    const ref = await parseModelRef(uri);
    const connection =
      ref.kind === "dir"
        ? undefined
        : await openRegistry(resolveTrackingTarget(values["tracking-uri"], context.env));
    try {
      const resolved = await resolveModel(ref, connection?.client);
      const cache = new ModelCache(path.join(gyreHome(context.env), "serving-cache"));
      const dir = await cache.directoryOf(resolved, connection);
      const name = values.name ?? resolved.name;
      const logDir = values["prediction-log"] ?? path.join(gyreHome(context.env), "prediction-log", name);
      const config: EngineConfig = {
        name,
        versioned: resolved.version !== undefined,
        host: settings.host,
        port: settings.port,
        maxBatchRows: settings.maxBatchRows,
        extraWaitTurns: settings.extraWaitTurns,
        predictionLogDir: logDir === OFF ? undefined : path.resolve(logDir),
      };
      const first = { version: resolved.version ?? LOCAL_VERSION, dir };
      const warn = (line: string) => printLine(context.stderr, line);
      let target: ServingTarget;
      let url: string;
      if (settings.workers > 1) {
        ({ serving: target, url } = await ClusterServing.start(settings.workers, config, first, warn));
      } else {
        const engine = await ServeEngine.start(config, first);
        target = engine;
        url = engine.url;
      }
      const follower =
        ref.kind === "registry" && ref.alias !== undefined && settings.followMs > 0 && connection
          ? new AliasFollower({
              ref,
              connection,
              cache,
              target,
              intervalMs: settings.followMs,
              version: first.version,
              report: (line) => printLine(context.stdout, line),
              warn,
            })
          : undefined;
      try {
        banner(context, {
          ref,
          resolved,
          config,
          url,
          connection,
          workers: settings.workers,
          followMs: follower ? settings.followMs : undefined,
        });
        follower?.start();
        const signal = await shutdown;
        printLine(context.stdout, `Received ${signal}, draining and shutting down.`);
      } finally {
        await follower?.stop();
        await target.close();
      }
    } finally {
      await connection?.close();
    }
  },
});

/** Seconds as a decimal (0.5 is fine for tests), in milliseconds; 0 turns following off. */
function secondsFlag(flag: string, value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 0 && seconds <= 86_400)) {
    throw new UsageError(`--${flag} must be a number of seconds from 0 to 86400, got '${value}'`);
  }
  return Math.round(seconds * 1000);
}

function banner(
  context: CliContext,
  info: {
    ref: ModelRef;
    resolved: ResolvedModel;
    config: EngineConfig;
    url: string;
    connection: RegistryConnection | undefined;
    workers: number;
    /** Set when the alias is followed. */
    followMs: number | undefined;
  },
): void {
  const { ref, resolved, config, url } = info;
  const what = resolved.version === undefined ? config.name : `${config.name} version ${resolved.version}`;
  const source = ref.kind === "dir" ? ref.path : ref.uri;
  const lines = [
    `Serving ${what} (${source}) at ${url}`,
    `  routes: POST /invocations, /v2/models/${config.name}/infer, /v1/models/${config.name}:predict; GET /metrics`,
  ];
  if (info.connection) lines.push(`  registry: ${info.connection.description}`);
  if (info.followMs !== undefined && ref.kind === "registry") {
    lines.push(`  following alias ${ref.alias}: polled every ${info.followMs / 1000} s`);
  }
  lines.push(`  prediction log: ${config.predictionLogDir ?? OFF}`);
  if (info.workers > 1) lines.push(`  workers: ${info.workers}`);
  printLine(context.stdout, lines.join("\n"));
}
