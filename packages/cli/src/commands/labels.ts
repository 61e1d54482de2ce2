import { GyreError, MonitoringClient } from "@gyre/sdk";
import { defineCommand, integerFlag, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { dataFile } from "./predict-formats.js";
import { Progress } from "./predict-progress.js";

/** `1` → 1, `true` → true, anything else as text. */
export function parseLabelValue(text: string): number | string | boolean {
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === "true";
  const number = Number(text);
  return text.trim() !== "" && Number.isFinite(number) ? number : text;
}

export const labelsLogCommand = defineCommand({
  words: ["labels", "log"],
  summary:
    "Log ground truth for predictions by request id: one (--request-id, --value) or a file (--file labels.csv|parquet|jsonl). Last write wins.",
  options: {
    file: { type: "string" },
    "request-id": { type: "string" },
    value: { type: "string" },
    row: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--file PATH", "Labels file: columns request_id, value (or label), optionally row"],
    ["--request-id ID", "One label: the prediction's request id (the x-request-id header)"],
    ["--value V", "One label: a number, true/false, or text"],
    ["--row N", "One label: the row of a multi-row request (default 0)"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values }, context) {
    const single = values["request-id"] !== undefined || values.value !== undefined;
    if (single === (values.file !== undefined))
      throw new UsageError("give either --file, or --request-id with --value");
    if (single && (values["request-id"] === undefined || values.value === undefined))
      throw new UsageError("--request-id and --value go together");
    if (values.row !== undefined && !single)
      throw new UsageError("--row goes with --request-id (files have a row column)");
    const row = integerFlag("row", values.row, 0, 2 ** 31 - 1);
    const file = values.file === undefined ? undefined : dataFile("--file", values.file);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const stored = await withTracking(target, async (gyre) => {
      const client = new MonitoringClient(gyre.client);
      if (!file) {
        await client.logLabel(values["request-id"]!, parseLabelValue(values.value!), row);
        return 1;
      }
      const { existsSync } = await import("node:fs");
      if (!existsSync(file.path))
        throw new GyreError("RESOURCE_DOES_NOT_EXIST", `No such labels file: ${file.path}`);
      // DuckDB loads here: the other commands start without it.
      const { labelBatches } = await import("./labels-file.js");
      const progress = new Progress(
        { write: context.stderr, isTTY: process.stderr.isTTY === true, columns: process.stderr.columns },
        Date.now,
        "labels",
      );
      let count = 0;
      for await (const batch of labelBatches(file, (total) => progress.start(total))) {
        count += await client.logLabels(batch);
        progress.advance(batch.length);
      }
      progress.finish();
      return count;
    });
    if (values.json) printJson(context, { stored });
    else printLine(context.stdout, `Stored ${stored} label${stored === 1 ? "" : "s"}.`);
  },
});

export const labelsCommands = [labelsLogCommand];
