import type { pipelines } from "@gyre/core";
import type { Executor, SchedulerEvent } from "@gyre/pipelines";
import { PipelinesClient } from "@gyre/sdk";
import { type Command, defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { renderTable } from "../format/table.js";
import { formatTimestamp } from "../format/values.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { ALLOWED_MODULES_HELP, allowedModulesFlag } from "./allowed-modules.js";
import { executorFromFlags, parseParamFlags } from "./pipelines-run.js";
import { withTrackingServer } from "./pipelines-tracking.js";

const REGISTRY_EVENTS = ["version_created", "alias_moved"] as const;

interface ScheduleFlags {
  cron?: string | undefined;
  timezone?: string | undefined;
  "on-dataset"?: string | undefined;
  "on-model"?: string | undefined;
  events?: string | undefined;
  alias?: string | undefined;
  "on-alert"?: boolean | undefined;
  monitor?: string | undefined;
}

/** Exactly one of --cron, --on-dataset, --on-model, --on-alert, as a trigger spec. */
export function triggerSpecFromFlags(flags: ScheduleFlags): pipelines.TriggerSpecInput {
  const chosen = [
    flags.cron !== undefined && "--cron",
    flags["on-dataset"] !== undefined && "--on-dataset",
    flags["on-model"] !== undefined && "--on-model",
    flags["on-alert"] === true && "--on-alert",
  ].filter((x): x is string => typeof x === "string");
  if (chosen.length !== 1) {
    throw new UsageError(
      chosen.length === 0
        ? "give one of --cron, --on-dataset, --on-model or --on-alert"
        : `give only one of ${chosen.join(", ")}`,
    );
  }
  if (flags.cron !== undefined) return { kind: "cron", cron: flags.cron, timezone: flags.timezone };
  if (flags["on-dataset"] !== undefined) return { kind: "dataset", dataset: flags["on-dataset"] };
  if (flags["on-model"] !== undefined) {
    const events = (flags.events ?? REGISTRY_EVENTS.join(",")).split(",").map((e) => e.trim());
    for (const event of events) {
      if (!(REGISTRY_EVENTS as readonly string[]).includes(event)) {
        throw new UsageError(`--events takes ${REGISTRY_EVENTS.join(", ")}; got '${event}'`);
      }
    }
    return {
      kind: "registry",
      model: flags["on-model"],
      events: events as (typeof REGISTRY_EVENTS)[number][],
      alias: flags.alias,
    };
  }
  return { kind: "alert", monitor: flags.monitor };
}

function describeSpec(spec: pipelines.TriggerSpec): string {
  switch (spec.kind) {
    case "cron":
      return `cron ${spec.cron}${spec.timezone ? ` (${spec.timezone})` : ""}`;
    case "dataset":
      return `new version of dataset ${spec.dataset}`;
    case "registry":
      return `model ${spec.model}: ${spec.events.join(", ")}${spec.alias ? ` (alias ${spec.alias})` : ""}`;
    case "alert":
      return `alert of ${spec.monitor ? `monitor ${spec.monitor}` : "any monitor"}`;
  }
}

export const pipelinesScheduleCommand = defineCommand({
  words: ["pipelines", "schedule"],
  arguments: ["FILE"],
  summary: "Run a pipeline on a cron schedule, a new dataset version, a registry event or a monitor alert.",
  options: {
    trigger: { type: "string" },
    cron: { type: "string" },
    timezone: { type: "string" },
    "on-dataset": { type: "string" },
    "on-model": { type: "string" },
    events: { type: "string" },
    alias: { type: "string" },
    "on-alert": { type: "boolean" },
    monitor: { type: "string" },
    param: { type: "string", multiple: true },
    name: { type: "string" },
    executor: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--trigger NAME", "The trigger's name (required; unique)"],
    ["--cron EXPR", 'Cron schedule, e.g. "0 3 * * *" (with --timezone TZ)'],
    ["--on-dataset NAME", "Each new version of this dataset (its URI as param trigger_dataset)"],
    ["--on-model NAME", "Registry events of this model (trigger_model, trigger_event)"],
    ["--events LIST", "With --on-model: version_created,alias_moved (default: both)"],
    ["--alias A", "With --on-model: only moves of this alias"],
    ["--on-alert", "Firing alerts (trigger_alert_id, trigger_monitor); --monitor NAME for one monitor"],
    ["--param NAME=VALUE", "A parameter every fired run gets; repeat for more"],
    ["--name PIPELINE", "The pipeline, when the module exports several"],
    ["--executor KIND", "local (default) or postgres: how the scheduler runs it"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals }, context) {
    const [file = ""] = positionals;
    if (!values.trigger) throw new UsageError("missing --trigger NAME");
    const executor = values.executor ?? "local";
    if (executor !== "local" && executor !== "postgres") {
      throw new UsageError(`--executor must be local or postgres, got '${executor}'`);
    }
    const spec = triggerSpecFromFlags(values);
    const params = parseParamFlags(values.param);
    const { createTrigger } = await import("@gyre/pipelines");
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const trigger = await withTracking(target, (gyre) =>
      createTrigger(gyre, {
        name: values.trigger ?? "",
        module: file,
        pipeline: values.name,
        spec,
        params,
        executor,
      }),
    );
    if (values.json) return printJson(context, { trigger });
    printLine(
      context.stdout,
      `Trigger ${trigger.name}: pipeline ${trigger.pipeline} on ${describeSpec(trigger.spec)}. Runs start while 'gyre pipelines scheduler' runs.`,
    );
  },
});

export const pipelinesTriggersCommand = defineCommand({
  words: ["pipelines", "triggers"],
  summary: "List triggers and schedules with their last firing.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const rows = await withTracking(target, async (gyre) => {
      const store = new PipelinesClient(gyre.client);
      const triggers = await store.listTriggers();
      return Promise.all(
        triggers.map(async (trigger) => ({ trigger, firings: await store.listFirings(trigger.name) })),
      );
    });
    if (values.json) return printJson(context, { triggers: rows });
    if (rows.length === 0) return printLine(context.stdout, "No triggers.");
    printLine(
      context.stdout,
      renderTable(
        ["TRIGGER", "PIPELINE", "ON", "EXECUTOR", "FIRINGS", "LAST FIRED", "LAST RUN"],
        rows.map(({ trigger, firings }) => [
          trigger.name,
          trigger.pipeline,
          describeSpec(trigger.spec),
          trigger.executor,
          String(firings.length),
          firings[0] ? formatTimestamp(firings[0].timestamp) : "",
          firings[0]?.pipeline_run_id ?? "",
        ]),
      ),
    );
  },
});

export const pipelinesUnscheduleCommand = defineCommand({
  words: ["pipelines", "unschedule"],
  arguments: ["TRIGGER"],
  summary: "Remove a trigger or schedule (its past firings stay recorded).",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals }, context) {
    const [name = ""] = positionals;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    await withTracking(target, (gyre) => new PipelinesClient(gyre.client).deleteTrigger(name));
    printLine(context.stdout, `Trigger ${name} removed.`);
  },
});

export const pipelinesSchedulerCommand = defineCommand({
  words: ["pipelines", "scheduler"],
  summary: "Poll every trigger and run the pipelines they fire (several schedulers may run at once).",
  options: {
    "poll-seconds": { type: "string" },
    "queue-uri": { type: "string" },
    "max-parallel": { type: "string" },
    "tracking-uri": { type: "string" },
    "allowed-modules": { type: "string" },
  },
  optionHelp: [
    ["--poll-seconds S", "Time between polls (default: 5)"],
    ["--queue-uri URI", "postgresql://… for triggers with --executor postgres (default: $GYRE_QUEUE_URI)"],
    ["--max-parallel N", "CPU budget of the local executor (default: the cores)"],
    ["--tracking-uri URI", TRACKING_OPTION_HELP[0][1]],
    ALLOWED_MODULES_HELP,
  ],
  async run({ values }, context) {
    const allowedModules = await allowedModulesFlag(values["allowed-modules"]);
    const pollSeconds = values["poll-seconds"] === undefined ? 5 : Number(values["poll-seconds"]);
    if (!(pollSeconds >= 0.1 && pollSeconds <= 86_400)) {
      throw new UsageError(
        `--poll-seconds must be a number from 0.1 to 86400, got '${values["poll-seconds"]}'`,
      );
    }
    const maxParallel = values["max-parallel"] === undefined ? undefined : Number(values["max-parallel"]);
    const shutdown = context.untilShutdown();
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const { Scheduler } = await import("@gyre/pipelines");
    const executors = new Map<string, Promise<Executor>>();
    const executorFor = (kind: string) => {
      let executor = executors.get(kind);
      if (!executor) {
        executor = executorFromFlags({ executor: kind, queueUri: values["queue-uri"], maxParallel }, context);
        executors.set(kind, executor);
      }
      return executor;
    };
    const report = (event: SchedulerEvent) => {
      const time = new Date().toISOString();
      if (event.type === "fired") {
        printLine(
          context.stdout,
          `${time} ${event.trigger}: ${event.eventKey} → pipeline run ${event.pipelineRunId}`,
        );
      } else if (event.type === "finished") {
        printLine(
          context.stdout,
          `${time} ${event.trigger}: pipeline run ${event.pipelineRunId} ${event.status}`,
        );
      } else {
        printLine(context.stderr, `${time} ${event.trigger}: ${event.message}`);
      }
    };
    await withTrackingServer(target, async (uri, gyre) => {
      const scheduler = new Scheduler({
        trackingUri: uri,
        gyre,
        executorFor,
        pollMs: pollSeconds * 1000,
        onEvent: report,
        ...(allowedModules ? { allowedModules } : {}),
      });
      scheduler.start();
      printLine(context.stdout, `Scheduler polling triggers every ${pollSeconds} s. Ctrl+C stops it.`);
      const signal = await shutdown;
      printLine(context.stdout, `${signal}: no new runs; waiting for running pipelines to end.`);
      await scheduler.stop();
    });
    for (const executor of executors.values()) await (await executor).close();
  },
});

export const pipelineScheduleCommands: readonly Command[] = [
  pipelinesScheduleCommand,
  pipelinesTriggersCommand,
  pipelinesUnscheduleCommand,
  pipelinesSchedulerCommand,
];
