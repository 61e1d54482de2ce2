import { filterString, type Gyre, type ModelVersion, type RegisteredModel } from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { modelReport, versionReport } from "./models-format.js";
import { type ModelRef, parseModelRef } from "./models-ref.js";

type Shown =
  | { registered_model: RegisteredModel; model_versions: ModelVersion[] }
  | { model_version: ModelVersion };

export const modelsShowCommand = defineCommand({
  words: ["models", "show"],
  arguments: ["NAME[/VERSION|@ALIAS]"],
  summary:
    "Show a registered model (versions, aliases, tags) or one version (signature, run metrics, source).",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [text = ""] }, context) {
    const ref = parseModelRef(text);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const shown = await withTracking(target, (gyre) => lookUp(gyre, ref));
    if (values.json) printJson(context, shown);
    else if ("model_version" in shown) printLine(context.stdout, versionReport(shown.model_version));
    else printLine(context.stdout, modelReport(shown.registered_model, shown.model_versions));
  },
});

async function lookUp(gyre: Gyre, ref: ModelRef): Promise<Shown> {
  switch (ref.kind) {
    case "version":
      return { model_version: await gyre.getModelVersion(ref.name, ref.version) };
    case "alias":
      return { model_version: await gyre.getModelVersionByAlias(ref.name, ref.alias) };
    case "uri": {
      const { name, version } = await gyre.resolveModel(ref.uri);
      return { model_version: await gyre.getModelVersion(name, version) };
    }
    case "model": {
      // The model first: an unknown name is its RESOURCE_DOES_NOT_EXIST, not an empty version list.
      const model = await gyre.getRegisteredModel(ref.name);
      const versions = await gyre.searchModelVersions({
        filter: `name = ${filterString(ref.name)}`,
        orderBy: ["version_number DESC"],
      });
      return { registered_model: model, model_versions: versions };
    }
  }
}
