import { resolve } from "node:path";
import { defineCommand } from "../command.js";
import { printJson, printLine } from "../io.js";
import { resolveTrackingTarget } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { Progress } from "./predict-progress.js";

export const monitorIngestCommand = defineCommand({
  words: ["monitor", "ingest"],
  arguments: ["LOG_DIR"],
  summary:
    "Load `gyre serve`'s JSONL prediction log (LOG_DIR/date=…/part-N.jsonl) into the prediction store; re-runs continue where they stopped.",
  options: {
    deployment: { type: "string" },
    "prediction-store-uri": { type: "string" },
    "tracking-uri": { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: [
    ["--deployment NAME", "Record the predictions under this deployment name (default none)"],
    ["--prediction-store-uri URI", "postgresql://… or parquet:///dir (default: the store's artifacts)"],
    ["--tracking-uri URI", "sqlite:/postgresql: metadata store opened in-process (not an http server)"],
    ["--json", "Print the counts as JSON"],
  ],
  async run({ values, positionals: [dir = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    if (target.kind === "server")
      throw new UsageError(
        "monitor ingest writes the prediction store directly: give a sqlite:/// or postgresql:// --tracking-uri, or none for the embedded store",
      );
    const { createGyre, embeddedDefaults, ingestJsonlLog } = await import("@gyre/server");
    const defaults = embeddedDefaults(target.home);
    const gyre = await createGyre({
      backendStoreUri: target.backendStoreUri ?? defaults.backendStoreUri,
      artifactsDestination: defaults.artifactsDestination,
      logLevel: false,
      ...(values["prediction-store-uri"] ? { predictionStoreUri: values["prediction-store-uri"] } : {}),
    });
    const progress = new Progress(
      { write: context.stderr, isTTY: process.stderr.isTTY === true, columns: process.stderr.columns },
      Date.now,
      "ingest",
    );
    let started = false;
    let done = 0;
    try {
      const result = await ingestJsonlLog(resolve(dir), gyre.monitoring.store, {
        deployment: values.deployment,
        // Progress in bytes of log read.
        onProgress: (bytes, total) => {
          if (!started) {
            progress.start(total);
            started = true;
          }
          progress.advance(bytes - done);
          done = bytes;
        },
      });
      progress.finish();
      if (values.json) printJson(context, result);
      else
        printLine(
          context.stdout,
          `Ingested ${result.records} request(s), ${result.rows} row(s) from ${result.files} file(s)${result.invalid ? `; skipped ${result.invalid} unreadable line(s)` : ""}.`,
        );
    } finally {
      await gyre.close();
    }
  },
});
