import { stat } from "node:fs/promises";
import { GyreError } from "@gyre/sdk";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP } from "../command.js";
import { formatDuration } from "../format/values.js";
import { printLine } from "../io.js";
import { resolveTrackingTarget } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { dataFile } from "./predict-formats.js";
import { Progress, type ProgressSink } from "./predict-progress.js";

const DEFAULT_BATCH_ROWS = 10_000;

export const predictCommand = defineCommand({
  words: ["predict"],
  arguments: ["MODEL_URI"],
  summary:
    "Score a CSV, Parquet or JSON Lines file with a model, streaming, into CSV, Parquet or JSON Lines.",
  options: {
    input: { type: "string" },
    output: { type: "string" },
    "batch-rows": { type: "string" },
    "tracking-uri": { type: "string" },
  },
  optionHelp: [
    ["MODEL_URI", "models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH, or a model directory"],
    ["--input FILE", "data.csv, data.parquet or data.jsonl; required"],
    [
      "--output FILE",
      "preds.parquet, preds.csv or preds.jsonl: the input columns, then the predictions; required",
    ],
    ["--batch-rows N", `Rows per model run (default: ${DEFAULT_BATCH_ROWS})`],
    ...TRACKING_OPTION_HELP.slice(0, 2),
  ],
  async run({ values, positionals: [modelUri = ""] }, context) {
    if (values.input === undefined) throw new UsageError("missing --input");
    if (values.output === undefined) throw new UsageError("missing --output");
    const input = dataFile("--input", values.input);
    const output = dataFile("--output", values.output);
    if (input.path === output.path) throw new UsageError("--output must not be the --input file");
    const batchRows = integerFlag("batch-rows", values["batch-rows"], 1, 10_000_000) ?? DEFAULT_BATCH_ROWS;
    const inputInfo = await stat(input.path).catch(() => undefined);
    if (!inputInfo?.isFile()) {
      throw new GyreError("RESOURCE_DOES_NOT_EXIST", `No such input file: ${input.path}`);
    }
    // DuckDB would read a 0-byte file as one made-up column and report that column as the problem.
    if (inputInfo.size === 0) {
      throw new UsageError(
        `--input ${input.path} is empty (0 bytes): it needs at least a header or a schema`,
      );
    }
    const progress = new Progress(stderrSink(context.stderr));
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    // Ctrl+C stops at the next batch, so the temporary model copy and scratch database are removed.
    const interrupt = new AbortController();
    void context.untilShutdown().then((signal) => interrupt.abort(new Error(`interrupted by ${signal}`)));
    const started = Date.now();
    // DuckDB and ONNX Runtime load here, not with the CLI: every other command starts without them.
    const { scoreFile } = await import("./predict-run.js");
    let result: Awaited<ReturnType<typeof scoreFile>>;
    try {
      result = await scoreFile({
        modelUri,
        input,
        output,
        batchRows,
        target,
        progress,
        signal: interrupt.signal,
      });
    } finally {
      // An error message must not land on the end of a half-drawn bar.
      progress.finish();
    }
    const elapsed = Date.now() - started;
    const perSecond = elapsed > 0 ? Math.round((result.rows * 1000) / elapsed).toLocaleString("en-US") : "-";
    printLine(
      context.stdout,
      `Scored ${result.rows.toLocaleString("en-US")} rows with ${result.model} in ${formatDuration(elapsed)} (${perSecond} rows/s) → ${output.path}`,
    );
  },
});

/**
 * The progress bar needs to know whether stderr is a terminal, which the CLI context does not
 * say; the command reads it from the process, the only place that knows.
 */
function stderrSink(write: (text: string) => void): ProgressSink {
  return { write, isTTY: process.stderr.isTTY === true, columns: process.stderr.columns };
}
