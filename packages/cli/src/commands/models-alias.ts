import { type Gyre, GyreError } from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { versionArgument } from "./models-ref.js";

export const modelsAliasSetCommand = defineCommand({
  words: ["models", "alias", "set"],
  arguments: ["NAME", "ALIAS", "VERSION"],
  summary: "Point an alias (champion, challenger, …) at a version, moving it atomically.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = "", alias = "", text = ""] }, context) {
    const version = versionArgument("VERSION", text);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const previous = await withTracking(target, async (gyre) => {
      const before = await aliasedVersion(gyre, name, alias);
      await gyre.setAlias(name, alias, version);
      return before;
    });
    if (values.json) {
      printJson(context, { name, alias, version, ...(previous ? { previous_version: previous } : {}) });
      return;
    }
    const from =
      previous === undefined ? "new alias" : previous === version ? "unchanged" : `was ${previous}`;
    printLine(context.stdout, `${name}@${alias} → version ${version} (${from}).`);
  },
});

export const modelsAliasDeleteCommand = defineCommand({
  words: ["models", "alias", "delete"],
  arguments: ["NAME", "ALIAS"],
  summary: "Delete an alias of a registered model.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = "", alias = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const previous = await withTracking(target, async (gyre) => {
      const before = await aliasedVersion(gyre, name, alias);
      await gyre.deleteAlias(name, alias);
      return before;
    });
    if (values.json) printJson(context, { name, alias, ...(previous ? { previous_version: previous } : {}) });
    else
      printLine(
        context.stdout,
        previous === undefined
          ? `${name}@${alias} did not exist; nothing to delete.`
          : `Deleted ${name}@${alias} (was version ${previous}).`,
      );
  },
});

/**
 * The version an alias points at now, for the message only (the registry's audit log has the
 * authoritative before → after). MLflow answers an unknown alias with INVALID_PARAMETER_VALUE.
 */
async function aliasedVersion(gyre: Gyre, name: string, alias: string): Promise<string | undefined> {
  try {
    return (await gyre.getModelVersionByAlias(name, alias)).version;
  } catch (error) {
    if (error instanceof GyreError && error.code === "INVALID_PARAMETER_VALUE") return undefined;
    throw error;
  }
}
