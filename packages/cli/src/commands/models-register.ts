import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Gyre, ModelVersion } from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { parseTags } from "./models-ref.js";

export const modelsRegisterCommand = defineCommand({
  words: ["models", "register"],
  arguments: ["SOURCE"],
  summary: "Register a model version from runs:/…, models:/…, or a local model directory or ONNX file.",
  options: {
    name: { type: "string" },
    tag: { type: "string", multiple: true },
    description: { type: "string" },
    experiment: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--name NAME", "The registered model (created when missing); required"],
    ["--tag KEY=VALUE", "A tag of the new version; repeat for more"],
    ["--description D", "Description of the new version"],
    ["--experiment NAME", "For a local SOURCE: the experiment of the run it is logged to (default: Default)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [source = ""] }, context) {
    const name = values.name;
    if (name === undefined || name.trim() === "") throw new UsageError("missing --name");
    const tags = parseTags(values.tag);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const version = await withTracking(target, async (gyre) => {
      const uri = await registrableUri(gyre, source, name, values.experiment);
      return gyre.registerModel(uri, name, { tags, description: values.description });
    });
    if (values.json) printJson(context, { model_version: version });
    else printLine(context.stdout, registeredLine(version));
  },
});

/** A URI's scheme; one letter is a Windows drive (`C:\\model`), not a scheme. */
const URI_SCHEME = /^([a-z][\w+.-]+):/i;

/**
 * URIs are registered as they are (runs:/, models:/, mlflow-artifacts:/, s3://, ...); a local
 * directory or ONNX file, as a path or a file: URI, is first logged to a new run (as
 * `run.logModel` would), so the version has a run and its files live in the store.
 */
async function registrableUri(
  gyre: Gyre,
  source: string,
  name: string,
  experiment: string | undefined,
): Promise<string> {
  const scheme = URI_SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "file") {
    if (experiment !== undefined) throw new UsageError("--experiment applies to a local SOURCE only");
    return source;
  }
  const path = scheme === "file" ? localPath(source) : source;
  if (!(await stat(path).catch(() => undefined))) {
    throw new UsageError(
      `SOURCE must be runs:/…, models:/…, or an existing model directory or ONNX file, got '${source}'`,
    );
  }
  return gyre.withRun({ experiment, name: `register ${name}` }, (run) => run.logModel(path));
}

function localPath(fileUri: string): string {
  try {
    return fileURLToPath(fileUri);
  } catch (error) {
    throw new UsageError(`SOURCE '${fileUri}' is not a local file: ${(error as Error).message}`);
  }
}

function registeredLine(version: ModelVersion): string {
  return `Registered model '${version.name}' version ${version.version} from ${version.source}.`;
}
