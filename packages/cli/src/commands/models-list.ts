import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { modelsTable } from "./models-format.js";

export const modelsListCommand = defineCommand({
  words: ["models", "list"],
  summary: "List registered models: latest version, aliases, last update.",
  options: { filter: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [["--filter F", "MLflow search filter, e.g. \"name LIKE 'churn%'\""], ...TRACKING_OPTION_HELP],
  async run({ values }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const models = await withTracking(target, (gyre) => gyre.listRegisteredModels({ filter: values.filter }));
    if (values.json) printJson(context, { registered_models: models });
    else printLine(context.stdout, models.length ? modelsTable(models) : "No registered models.");
  },
});
