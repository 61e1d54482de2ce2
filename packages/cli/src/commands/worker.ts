import { defineCommand, integerFlag } from "../command.js";
import { redactCredentials } from "../format/redact.js";
import { printLine } from "../io.js";
import { UsageError } from "../usage-error.js";
import { ALLOWED_MODULES_HELP, allowedModulesFlag } from "./allowed-modules.js";

export const workerCommand = defineCommand({
  words: ["worker"],
  summary: "Run pipeline steps from a PostgreSQL job queue (gyre pipelines run --executor postgres).",
  options: {
    "queue-uri": { type: "string" },
    concurrency: { type: "string" },
    "tracking-uri": { type: "string" },
    queue: { type: "string" },
    schema: { type: "string" },
    "poll-seconds": { type: "string" },
    "maintenance-seconds": { type: "string" },
    quiet: { type: "boolean", short: "q" },
    "allowed-modules": { type: "string" },
  },
  optionHelp: [
    ["--queue-uri URI", "postgresql://… of the job queue (default: $GYRE_QUEUE_URI)"],
    ["--concurrency N", "Steps run at once (default: 1)"],
    ["--tracking-uri URL", "Log to this server instead of the one each job names (the coordinator's)"],
    ["--queue NAME", "Queue name (default: gyre-steps)"],
    ["--schema NAME", "pg-boss schema (default: pgboss)"],
    ["--poll-seconds S", "How often an idle worker asks for work, at least 0.5 (default: 1)"],
    ["--maintenance-seconds S", "How often jobs of dead workers are failed over (default: 10)"],
    ["-q, --quiet", "Do not print step attempts and log lines"],
    ALLOWED_MODULES_HELP,
  ],
  async run({ values }, context) {
    const queueUri = values["queue-uri"] ?? context.env.GYRE_QUEUE_URI;
    if (!queueUri) throw new UsageError("missing --queue-uri postgresql://… (or $GYRE_QUEUE_URI)");
    if (!/^postgres(ql)?:\/\//i.test(queueUri)) {
      throw new UsageError(`--queue-uri must be a postgresql:// URI, got '${redactCredentials(queueUri)}'`);
    }
    const trackingUri = values["tracking-uri"];
    if (trackingUri !== undefined && !/^https?:\/\//i.test(trackingUri)) {
      throw new UsageError(`--tracking-uri must be an http(s) server URL for a worker, got '${trackingUri}'`);
    }
    const concurrency = integerFlag("concurrency", values.concurrency, 1, 256) ?? 1;
    const maintenance = integerFlag("maintenance-seconds", values["maintenance-seconds"], 1, 3600);
    const poll = values["poll-seconds"] === undefined ? undefined : Number(values["poll-seconds"]);
    if (poll !== undefined && !(poll >= 0.5 && poll <= 3600)) {
      throw new UsageError(
        `--poll-seconds must be a number from 0.5 to 3600, got '${values["poll-seconds"]}'`,
      );
    }
    const allowedModules = await allowedModulesFlag(values["allowed-modules"]);
    const shutdown = context.untilShutdown();
    const { PipelineWorker } = await import("@gyre/pipelines");
    const worker = await PipelineWorker.start({
      connectionString: queueUri,
      queue: values.queue,
      schema: values.schema,
      concurrency,
      pollingIntervalSeconds: poll,
      maintenanceIntervalSeconds: maintenance,
      trackingUri,
      env: context.env,
      report: values.quiet ? undefined : (line) => printLine(context.stdout, line),
      ...(allowedModules ? { allowedModules } : {}),
    });
    printLine(
      context.stdout,
      `Worker ${worker.name} taking steps from ${redactCredentials(queueUri)} (concurrency ${concurrency}). Ctrl+C stops it.`,
    );
    const signal = await shutdown;
    printLine(context.stdout, `${signal}: finishing running steps (up to 30 s), then stopping.`);
    await worker.stop();
  },
});
