import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";

const DEFAULT_LATENCY_SAMPLES = 200;

export const testCommand = defineCommand({
  words: ["test"],
  arguments: ["MODEL_URI"],
  summary:
    "Gate a challenger: evaluate it (and --against the champion) on one holdout and check thresholds; exit 1 when any fails.",
  options: {
    against: { type: "string" },
    thresholds: { type: "string" },
    data: { type: "string" },
    target: { type: "string" },
    "latency-samples": { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["MODEL_URI", "The challenger: models:/NAME@ALIAS, models:/NAME/VERSION, runs:/… or a model directory"],
    ["--against REF", "The champion: @ALIAS or VERSION of the same model, or any MODEL_URI"],
    [
      "--thresholds FILE",
      "thresholds.json or .yaml (metric rules and slices; see README 'gyre test'); required",
    ],
    [
      "--data FILE|URI",
      "holdout.csv|.parquet|.jsonl or datasets:/NAME/VERSION (default: the dataset the challenger's run logged as 'holdout')",
    ],
    ["--target COLUMN", "The label column of the holdout (default: the challenger run's 'target' param)"],
    [
      "--latency-samples N",
      `Single-row predictions timed per model (default: ${DEFAULT_LATENCY_SAMPLES}; 0: none)`,
    ],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [modelUri = ""] }, context) {
    if (values.thresholds === undefined) throw new UsageError("missing --thresholds");
    const thresholds = await readThresholds(values.thresholds);
    const latencySamples =
      integerFlag("latency-samples", values["latency-samples"], 0, 1_000_000) ?? DEFAULT_LATENCY_SAMPLES;
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    // ONNX Runtime and DuckDB load only when the command runs.
    const { runModelTest } = await import("./test-run.js");
    const outcome = await runModelTest({
      challenger: modelUri,
      against: values.against,
      data: values.data,
      target: values.target,
      thresholds,
      latencySamples,
      tracking: target,
      progress: (text) => printLine(context.stderr, text),
    });
    if (values.json) printJson(context, outcome.json);
    else context.stdout(outcome.text);
    if (!outcome.result.passed) {
      const failed = outcome.result.checks.filter((c) => c.status === "fail").map((c) => c.name);
      throw new GateFailed(
        `gate failed: ${failed.length} check${failed.length === 1 ? "" : "s"} failed (${failed.slice(0, 5).join(", ")}${failed.length > 5 ? ", …" : ""})`,
      );
    }
  },
});

/** A failed gate: exit 1 with one line on stderr, after the summary. */
class GateFailed extends Error {}

/** Parses the file (JSON or YAML) and validates it; mistakes are usage errors naming the field. */
export async function readThresholds(path: string): Promise<import("@gyre/pipelines").GateThresholds> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--thresholds: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(extname(path)) ? (await import("yaml")).parse(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--thresholds: ${path} is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${(error as Error).message}`,
    );
  }
  const { parseGateThresholds, GateThresholdsError } = await import("@gyre/pipelines");
  try {
    return parseGateThresholds(document, path);
  } catch (error) {
    if (error instanceof GateThresholdsError) throw new UsageError(`--thresholds: ${error.message}`);
    throw error;
  }
}
