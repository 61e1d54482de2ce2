import { filterString } from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { versionArgument } from "./models-ref.js";

export const modelsStageCommand = defineCommand({
  words: ["models", "stage"],
  arguments: ["NAME", "VERSION", "STAGE"],
  summary: "Move a version to None, Staging, Production or Archived.",
  options: { "archive-existing": { type: "boolean" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--archive-existing", "Archive the other versions in STAGE (Staging and Production only)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = "", text = "", stage = ""] }, context) {
    const version = versionArgument("VERSION", text);
    const archiveExisting = values["archive-existing"] === true;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const { before, moved, archived } = await withTracking(target, async (gyre) => {
      const current = await gyre.getModelVersion(name, version);
      // The versions the move will archive, for the message: the others now in the target stage.
      const archived = archiveExisting
        ? (await gyre.searchModelVersions({ filter: `name = ${filterString(name)}` }))
            .filter((v) => v.version !== version && v.current_stage.toLowerCase() === stage.toLowerCase())
            .map((v) => v.version)
            .sort((a, b) => Number(a) - Number(b))
        : [];
      const moved = await gyre.transitionModelVersionStage(name, version, stage, {
        archiveExistingVersions: archiveExisting,
      });
      return { before: current.current_stage, moved, archived };
    });
    if (values.json) {
      printJson(context, { model_version: moved });
      return;
    }
    const note =
      archived.length > 0 ? `; archived version${archived.length > 1 ? "s" : ""} ${archived.join(", ")}` : "";
    printLine(context.stdout, `${name} version ${version}: ${before} → ${moved.current_stage}${note}.`);
  },
});
