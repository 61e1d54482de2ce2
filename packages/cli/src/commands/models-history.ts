import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { historyTable } from "./models-format.js";
import { versionArgument } from "./models-ref.js";

export const modelsHistoryCommand = defineCommand({
  words: ["models", "history"],
  arguments: ["NAME"],
  summary: "The audit log of a model: when, who, what, before → after (newest first).",
  options: { version: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [["--version V", "Only the changes to version V"], ...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    const version = values.version === undefined ? undefined : versionArgument("--version", values.version);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const entries = await withTracking(target, (gyre) => gyre.modelHistory(name, version));
    if (values.json) printJson(context, { entries });
    else printLine(context.stdout, entries.length ? historyTable(entries) : "No changes recorded.");
  },
});
