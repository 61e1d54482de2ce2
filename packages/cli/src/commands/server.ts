import cluster from "node:cluster";
import { resolve } from "node:path";
import type { ServerConfig } from "@gyre/server";
import { defineCommand, directoriesFlag, integerFlag } from "../command.js";
import { redactCredentials } from "../format/redact.js";
import { renderPairs } from "../format/table.js";
import { printLine } from "../io.js";
import { gyreHome } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { firstRunHint } from "./demo.js";
import { runServerWorker, SERVER_WORKER_ENV, startServerCluster } from "./server-cluster.js";

/** pino's name for "no log" is what users will type; the server takes false. */
const SILENT = "silent";

export const serverCommand = defineCommand({
  words: ["server"],
  summary: "Run the tracking server (MLflow REST API, artifact proxy, named deployments under /serving).",
  options: {
    "backend-store-uri": { type: "string" },
    "artifacts-destination": { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    "log-level": { type: "string", default: "warn" },
    "deployments-poll-seconds": { type: "string", default: "5" },
    "prediction-store-uri": { type: "string" },
    "prediction-retention-days": { type: "string", default: "30" },
    "feature-online-store": { type: "string" },
    "feature-repo": { type: "string" },
    "serving-workers": { type: "string", default: "1" },
    "allowed-paths": { type: "string" },
  },
  optionHelp: [
    ["--backend-store-uri URI", "sqlite:///path or postgresql://… (default: $GYRE_HOME/gyre.db)"],
    ["--artifacts-destination PATH", "Directory for artifacts (default: $GYRE_HOME/artifacts)"],
    ["--host HOST", "Interface to listen on (default: 127.0.0.1)"],
    ["--port PORT", "Port to listen on, 0 for any free port (default: 5000)"],
    [
      "--log-level LEVEL",
      "fatal, error, warn, info (logs every request), debug, trace or silent (default: warn)",
    ],
    [
      "--deployments-poll-seconds S",
      "Re-resolve deployment aliases and re-read their specs this often; 0: never (default: 5)",
    ],
    [
      "--prediction-store-uri URI",
      "Where deployments' predictions go: postgresql://… or parquet:///dir (default: artifacts/monitoring/predictions)",
    ],
    [
      "--prediction-retention-days N",
      "Keep this many days of predictions and labels; 0: forever (default: 30)",
    ],
    [
      "--feature-online-store URI",
      "Feature store's online store: sqlite:///path[?cache_entries=N] or redis://host:port (default: $GYRE_HOME/features-online.db)",
    ],
    ["--feature-repo DIR", "Feature repository whose on-demand transformations the server runs"],
    ["--serving-workers N", "Server processes sharing the port, one per core (default: 1)"],
    [
      "--allowed-paths DIR[,DIR]",
      "Server paths that requests may name (dataset and feature-source paths, get-historical's entity_path and output_path) must lie in these directories (default: any path)",
    ],
  ],
  async run({ values }, context) {
    const workerSetup = context.env[SERVER_WORKER_ENV];
    if (cluster.isWorker && workerSetup) return runServerWorker(workerSetup);
    const workers = integerFlag("serving-workers", values["serving-workers"], 1, 256)!;
    // Listen for signals first: a Ctrl+C during start-up still closes the stores cleanly.
    const shutdown = context.untilShutdown();
    const server = await import("@gyre/server");
    const defaults = server.embeddedDefaults(gyreHome(context.env));
    const config = serverConfig(server.ServerConfig, {
      backendStoreUri: values["backend-store-uri"] ?? defaults.backendStoreUri,
      artifactsDestination: values["artifacts-destination"] ?? defaults.artifactsDestination,
      host: values.host,
      port: integerFlag("port", values.port, 0, 65_535),
      logLevel: values["log-level"] === SILENT ? false : values["log-level"],
      serveDeployments: true,
      deploymentPollMs:
        integerFlag("deployments-poll-seconds", values["deployments-poll-seconds"], 0, 86_400)! * 1000,
      ...(values["prediction-store-uri"] ? { predictionStoreUri: values["prediction-store-uri"] } : {}),
      predictionRetentionDays: integerFlag(
        "prediction-retention-days",
        values["prediction-retention-days"],
        0,
        36_500,
      ),
      runMonitors: true,
      ...(values["feature-online-store"] ? { featureOnlineStoreUri: values["feature-online-store"] } : {}),
      ...(values["feature-repo"] ? { featureRepository: resolve(values["feature-repo"]) } : {}),
      ...(values["allowed-paths"] !== undefined
        ? {
            allowedPaths: directoriesFlag(values["allowed-paths"]),
          }
        : {}),
    });
    const warn = (line: string) => printLine(context.stderr, line);
    if (config.allowedPaths === undefined && !isLoopback(config.host)) {
      warn(
        `warning: listening on ${config.host} without --allowed-paths: any client can make this server read its files as a dataset, or write a get-historical output over them.`,
      );
    }
    const hint = firstRunHint(gyreHome(context.env), config.backendStoreUri, defaults.backendStoreUri);
    const gyre =
      workers > 1
        ? await startServerCluster(workers, config, warn).then(({ url, close }) => ({
            listen: async () => url,
            close,
          }))
        : await server.createGyre(config);
    try {
      const url = await gyre.listen();
      printLine(context.stdout, `Gyre ${server.GYRE_VERSION} listening on ${url}`);
      printLine(
        context.stdout,
        renderPairs([
          ["  backend store:", redactCredentials(config.backendStoreUri)],
          ["  artifacts destination:", config.artifactsDestination],
          ["  deployments:", `${url}/serving/{name}/ (invocations, v2, v1)`],
          ...(workers > 1 ? [["  serving workers:", String(workers)] as [string, string]] : []),
          ...(config.allowedPaths
            ? [["  allowed paths:", config.allowedPaths.join(", ") || "(none)"] as [string, string]]
            : []),
        ]),
      );
      if (hint) printLine(context.stdout, hint);
      const signal = await shutdown;
      printLine(context.stdout, `Received ${signal}, shutting down.`);
    } finally {
      await gyre.close();
    }
  },
});

/** Validated once here; a bad value is reported against the flag the user typed. */
function serverConfig(schema: typeof ServerConfig, input: Record<string, unknown>): ServerConfig {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0]);
    return `--${kebabCase(field)}: ${issue.message} (got '${String(input[field])}')`;
  });
  throw new UsageError(problems.join("; "));
}

/** Only the machine itself can reach a server listening here. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
