import type { Experiment, ViewType } from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { renderTable } from "../format/table.js";
import { formatTimestamp } from "../format/values.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";

const VIEWS: Readonly<Record<string, ViewType>> = {
  active: "ACTIVE_ONLY",
  deleted: "DELETED_ONLY",
  all: "ALL",
};

export const experimentsListCommand = defineCommand({
  words: ["experiments", "list"],
  summary: "List experiments.",
  options: { view: { type: "string", default: "active" }, ...TRACKING_OPTIONS },
  optionHelp: [["--view VIEW", "active, deleted or all (default: active)"], ...TRACKING_OPTION_HELP],
  async run({ values }, context) {
    const view = VIEWS[values.view];
    if (!view) throw new UsageError(`--view must be active, deleted or all, got '${values.view}'`);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const experiments = await withTracking(target, (gyre) => gyre.listExperiments({ view }));
    if (values.json) printJson(context, { experiments });
    else printLine(context.stdout, experiments.length ? experimentsTable(experiments) : "No experiments.");
  },
});

export const experimentsCreateCommand = defineCommand({
  words: ["experiments", "create"],
  arguments: ["NAME"],
  summary: "Create an experiment.",
  options: { "artifact-location": { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--artifact-location L", "Where its runs' artifacts go (default: the server's artifact proxy)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const experiment = await withTracking(target, (gyre) =>
      gyre.createExperiment(name, { artifactLocation: values["artifact-location"] }),
    );
    if (values.json) printJson(context, { experiment });
    else
      printLine(
        context.stdout,
        `Created experiment '${experiment.name}' with id ${experiment.experiment_id}.`,
      );
  },
});

function experimentsTable(experiments: readonly Experiment[]): string {
  return renderTable(
    ["ID", "NAME", "STAGE", "CREATED", "ARTIFACT LOCATION"],
    experiments.map((e) => [
      e.experiment_id,
      e.name,
      e.lifecycle_stage,
      formatTimestamp(e.creation_time),
      e.artifact_location,
    ]),
  );
}
