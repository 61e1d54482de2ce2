import { isAbsolute, resolve } from "node:path";
import { loadRepository } from "@gyre/features";
import type { RegistryPlan } from "@gyre/sdk";

import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { type CliContext, printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { jobSummary, onlineTable, planReport, registryTable } from "./features-format.js";
import { MaterializeProgress } from "./features-progress.js";

const REPO_OPTION = { repo: { type: "string" } } as const;
const REPO_HELP = ["--repo DIR", "Feature repository: features.{js,mjs,ts,json} in DIR (default .)"] as const;
const ONLINE_OPTIONS = { "online-store": { type: "string" } } as const;
const ONLINE_HELP = [
  "--online-store URI",
  "In-process: sqlite:///path or redis://host:port (default $GYRE_FEATURES_ONLINE_STORE, else beside the store)",
] as const;

type Values = {
  "tracking-uri"?: string | undefined;
  "online-store"?: string | undefined;
  repo?: string | undefined;
};

/** Runs `use` against the tracking target; in-process, the store gets the online store and repository. */
function withFeatures<T>(values: Values, context: CliContext, use: Parameters<typeof withTracking<T>>[1]) {
  const online = values["online-store"] ?? context.env.GYRE_FEATURES_ONLINE_STORE?.trim();
  return withTracking(resolveTrackingTarget(values["tracking-uri"], context.env), use, {
    ...(online ? { featureOnlineStoreUri: online } : {}),
    ...(values.repo !== undefined ? { featureRepository: resolve(values.repo) } : {}),
  });
}

function planCommand(apply: boolean) {
  return defineCommand({
    words: ["features", apply ? "apply" : "plan"],
    summary: apply
      ? "Make the registry hold exactly the feature repository (one transaction; re-applying changes nothing)."
      : "Show what applying the feature repository would add, change (field by field) and remove.",
    options: { ...REPO_OPTION, ...TRACKING_OPTIONS },
    optionHelp: [REPO_HELP, ...TRACKING_OPTION_HELP],
    async run({ values }, context) {
      const { repository } = await loadRepository(values.repo ?? ".");
      // Transformations run in the server; plan/apply only records their definitions.
      const target = resolveTrackingTarget(values["tracking-uri"], context.env);
      const plan = await withTracking(
        target,
        async (gyre): Promise<RegistryPlan & { applied?: boolean }> =>
          apply ? gyre.features.apply(repository) : gyre.features.plan(repository),
      );
      if (values.json) return printJson(context, plan);
      printLine(context.stdout, planReport(plan, plan.applied));
    },
  });
}

export const featuresPlanCommand = planCommand(false);
export const featuresApplyCommand = planCommand(true);

export const featuresListCommand = defineCommand({
  words: ["features", "list"],
  summary:
    "List the registry's entities, sources, feature views, transformations and services, and watermarks.",
  options: { kind: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--kind KIND", "entity, source, feature_view, on_demand or feature_service"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    const kinds = ["entity", "source", "feature_view", "on_demand", "feature_service"] as const;
    const kind = values.kind as (typeof kinds)[number] | undefined;
    if (kind !== undefined && !kinds.includes(kind)) {
      throw new UsageError(`--kind must be one of ${kinds.join(", ")}, got '${values.kind}'`);
    }
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const list = await withTracking(target, (gyre) => gyre.features.list(kind));
    if (values.json) return printJson(context, list);
    printLine(context.stdout, registryTable(list));
  },
});

/** `2024-06-01`, `2024-06-01T12:00:00Z`: anything Date.parse reads; echoed back as ISO. */
function timeFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(`--${flag} must be an ISO time such as 2024-06-01T00:00:00Z, got '${value}'`);
  return new Date(ms).toISOString();
}

export const featuresMaterializeCommand = defineCommand({
  words: ["features", "materialize"],
  summary:
    "Write the latest value per entity in a time window (or since each view's watermark) to the online store.",
  options: {
    start: { type: "string" },
    end: { type: "string" },
    incremental: { type: "boolean" },
    views: { type: "string" },
    "batch-size": { type: "string" },
    ...ONLINE_OPTIONS,
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--start TIME", "Window start (inclusive), ISO 8601"],
    ["--end TIME", "Window end (inclusive; default now)"],
    ["--incremental", "From each view's watermark (else its ttl before --end, else the beginning)"],
    ["--views A,B", "Only these feature views (default every online view)"],
    ["--batch-size N", "Entities per write to the online store (default 10000)"],
    ONLINE_HELP,
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    if (values.incremental === true && values.start !== undefined) {
      throw new UsageError("--incremental starts at each view's watermark; do not give --start");
    }
    if (values.incremental !== true && values.start === undefined) {
      throw new UsageError("give --start (and --end), or --incremental");
    }
    const progress = new MaterializeProgress({
      write: context.stderr,
      isTTY: process.stderr.isTTY === true,
      columns: process.stderr.columns,
    });
    const job = await withFeatures(values, context, (gyre) =>
      gyre.features.materialize({
        start: timeFlag("start", values.start),
        end: timeFlag("end", values.end),
        incremental: values.incremental === true,
        featureViews: values.views?.split(",").map((v) => v.trim()),
        batchSize: integerFlag("batch-size", values["batch-size"], 1, 1_000_000),
        onProgress: (j) => progress.update(j),
        pollMs: 200,
      }),
    );
    progress.finish(job);
    if (values.json) return printJson(context, { job });
    printLine(context.stdout, jobSummary(job));
  },
});

/** `--features driver_service` (a service) or `--features view:f1,view:f2` (references). */
function featureChoice(text: string | undefined): { featureService?: string; features?: string[] } {
  if (text === undefined || text.trim() === "")
    throw new UsageError("--features is required (a feature service or view:feature,…)");
  return text.includes(":")
    ? { features: text.split(",").map((f) => f.trim()) }
    : { featureService: text.trim() };
}

/** `driver_id=1,city=Oslo`: numbers stay numbers (integer keys), anything else is a string. */
function entityRow(text: string): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--entity takes key=value pairs separated by ',', got '${text}'`);
    const value = pair.slice(eq + 1);
    row[pair.slice(0, eq).trim()] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return row;
}

export const featuresGetOnlineCommand = defineCommand({
  words: ["features", "get-online"],
  summary: "Read the latest feature values of entities from the online store, with a status per value.",
  options: {
    features: { type: "string" },
    entity: { type: "string", multiple: true },
    entities: { type: "string" },
    "full-names": { type: "boolean" },
    ...REPO_OPTION,
    ...ONLINE_OPTIONS,
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--features SERVICE|REFS", "A feature service, or view:feature,… references"],
    ["--entity k=v[,k2=v2]", "An entity row (repeatable); numbers are integer keys"],
    ["--entities JSON", 'Entity rows as JSON, e.g. [{"driver_id": 1}]'],
    ["--full-names", "Name features view__feature"],
    ["--repo DIR", "In-process: the repository whose on-demand transformations to run"],
    ONLINE_HELP,
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    const rows: Record<string, unknown>[] = (values.entity ?? []).map(entityRow);
    if (values.entities !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(values.entities);
      } catch (error) {
        throw new UsageError(`--entities is not JSON: ${(error as Error).message}`);
      }
      if (!Array.isArray(parsed)) throw new UsageError("--entities must be a JSON array of objects");
      rows.push(...(parsed as Record<string, unknown>[]));
    }
    if (rows.length === 0) throw new UsageError("give at least one --entity or --entities");
    const response = await withFeatures(values, context, (gyre) =>
      gyre.features.getOnline({
        entities: rows,
        ...featureChoice(values.features),
        fullFeatureNames: values["full-names"],
      }),
    );
    if (values.json)
      return printJson(context, { feature_names: response.featureNames, results: response.results });
    printLine(context.stdout, onlineTable(rows, response));
  },
});

export const featuresGetHistoricalCommand = defineCommand({
  words: ["features", "get-historical"],
  summary: "Point-in-time join of an entity table against feature views, for training.",
  options: {
    entities: { type: "string" },
    features: { type: "string" },
    output: { type: "string" },
    register: { type: "string" },
    "timestamp-column": { type: "string" },
    "full-names": { type: "boolean" },
    ...REPO_OPTION,
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--entities FILE|DATASET", "Entity table: a file or directory, or a dataset (name@3, datasets:/name/3)"],
    ["--features SERVICE|REFS", "A feature service, or view:feature,… references"],
    ["--output FILE", "Result file (.parquet or .csv), written by the server"],
    ["--register NAME", "Register the result as the next version of dataset NAME"],
    ["--timestamp-column COL", "The entity table's timestamp column (default event_timestamp)"],
    ["--full-names", "Name columns view__feature"],
    ["--repo DIR", "In-process: the repository whose on-demand transformations to run"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    if (!values.entities) throw new UsageError("--entities is required");
    if (!values.output && !values.register) throw new UsageError("give --output, --register, or both");
    const entities = values.entities;
    const isDataset =
      entities.startsWith("datasets:/") ||
      (/^[A-Za-z0-9][\w.-]*@(\d+|latest)$/.test(entities) && !entities.includes("/"));
    const result = await withFeatures(values, context, (gyre) =>
      gyre.features.getHistorical({
        ...(isDataset ? { entityDataset: entities } : { entityPath: resolve(entities) }),
        ...featureChoice(values.features),
        outputPath:
          values.output === undefined
            ? undefined
            : isAbsolute(values.output)
              ? values.output
              : resolve(values.output),
        register: values.register,
        timestampColumn: values["timestamp-column"],
        fullFeatureNames: values["full-names"],
      }),
    );
    if (values.json) return printJson(context, result);
    const where = [result.output_path, result.dataset_uri].filter((x) => x !== undefined).join(" and ");
    printLine(
      context.stdout,
      `${result.rows} rows × ${result.columns.length} columns → ${where} (${result.seconds.toFixed(2)} s)`,
    );
  },
});

export const featuresCommands = [
  featuresPlanCommand,
  featuresApplyCommand,
  featuresListCommand,
  featuresMaterializeCommand,
  featuresGetOnlineCommand,
  featuresGetHistoricalCommand,
];
