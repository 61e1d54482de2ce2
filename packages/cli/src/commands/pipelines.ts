import { GyreError, pipelines } from "@gyre/core";
import { PipelinesClient } from "@gyre/sdk";
import {
  type Command,
  defineCommand,
  integerFlag,
  TRACKING_OPTION_HELP,
  TRACKING_OPTIONS,
} from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { pipelineRunReport, pipelineRunTable } from "./pipelines-format.js";
import { pipelinesResumeCommand, pipelinesRunCommand } from "./pipelines-run.js";
import { pipelineScheduleCommands } from "./pipelines-schedule.js";

const FOLLOW_POLL_MS = 500;
const FINAL = new Set<string>(["SUCCEEDED", "FAILED", "CANCELLED"]);

export const pipelinesListCommand = defineCommand({
  words: ["pipelines", "list"],
  summary: "List pipeline runs, newest first: status, steps done, timing, trigger.",
  options: {
    name: { type: "string" },
    status: { type: "string" },
    "max-results": { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--name PIPELINE", "Runs of this pipeline only"],
    ["--status S", `Runs in this status (${pipelines.PIPELINE_RUN_STATUSES.join(", ")})`],
    ["--max-results N", "At most N runs, 1 to 1000 (default: 100)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    const status = values.status;
    if (status !== undefined && !(pipelines.PIPELINE_RUN_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(
        `--status must be one of ${pipelines.PIPELINE_RUN_STATUSES.join(", ")}, got '${status}'`,
      );
    }
    const maxResults = integerFlag("max-results", values["max-results"], 1, 1000);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const runs = await withTracking(target, (gyre) =>
      new PipelinesClient(gyre.client).listRuns({
        name: values.name,
        status: status as pipelines.PipelineRunStatus | undefined,
        maxResults,
      }),
    );
    if (values.json) return printJson(context, { pipeline_runs: runs });
    printLine(context.stdout, runs.length ? pipelineRunTable(runs) : "No pipeline runs.");
  },
});

export const pipelinesShowCommand = defineCommand({
  words: ["pipelines", "show"],
  arguments: ["ID"],
  summary:
    "Show one pipeline run: status, parameters, and each step's status, attempts, run, outputs or error.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals }, context) {
    const [id = ""] = positionals;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const run = await withTracking(target, (gyre) => new PipelinesClient(gyre.client).getRun(id));
    if (values.json) return printJson(context, { pipeline_run: run });
    printLine(context.stdout, pipelineRunReport(run));
  },
});

export const pipelinesLogsCommand = defineCommand({
  words: ["pipelines", "logs"],
  arguments: ["ID"],
  summary: "Print a pipeline run's step logs; --follow keeps printing until the run ends.",
  options: { step: { type: "string" }, follow: { type: "boolean", short: "f" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--step NAME", "Only this step's log"],
    ["-f, --follow", "Wait for new lines until the run has ended"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals }, context) {
    const [id = ""] = positionals;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const stop = new AbortController();
    void context.untilShutdown().then(() => stop.abort());
    await withTracking(target, async (gyre) => {
      const store = new PipelinesClient(gyre.client);
      const run = await store.getRun(id);
      if (values.step !== undefined && !run.steps.some((s) => s.name === values.step)) {
        throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Pipeline run '${id}' has no step '${values.step}'.`);
      }
      let after = 0;
      const drain = async () => {
        for (;;) {
          const lines = await store.getLogs(id, { step: values.step, after, maxResults: 1000 });
          for (const line of lines) {
            after = line.seq;
            if (values.json) context.stdout(`${JSON.stringify(line)}\n`);
            else context.stdout(values.step ? `${line.text}\n` : `[${line.step}] ${line.text}\n`);
          }
          if (lines.length < 1000) return;
        }
      };
      await drain();
      while (values.follow && !stop.signal.aborted) {
        const ended = FINAL.has((await store.getRun(id)).status);
        await drain();
        if (ended) return;
        await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
      }
    });
  },
});

export const pipelinesCancelCommand = defineCommand({
  words: ["pipelines", "cancel"],
  arguments: ["ID"],
  summary: "Cancel a pipeline run: its coordinator kills the running steps and marks the run CANCELLED.",
  options: { force: { type: "boolean" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--force", "Mark the run CANCELLED now, for a run whose coordinator is gone (killed, machine lost)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals }, context) {
    const [id = ""] = positionals;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const run = await withTracking(target, (gyre) =>
      new PipelinesClient(gyre.client).cancelRun(id, { force: values.force === true }),
    );
    if (values.json) return printJson(context, { pipeline_run: run });
    printLine(
      context.stdout,
      run.status === "CANCELLED"
        ? `Pipeline run ${id} is cancelled.`
        : FINAL.has(run.status)
          ? `Pipeline run ${id} had already ended (${run.status}).`
          : `Cancel requested: pipeline run ${id} stops its running steps and ends CANCELLED.`,
    );
  },
});

export const pipelinesCommands: readonly Command[] = [
  pipelinesRunCommand,
  pipelinesListCommand,
  pipelinesShowCommand,
  pipelinesLogsCommand,
  pipelinesCancelCommand,
  pipelinesResumeCommand,
  ...pipelineScheduleCommands,
];
