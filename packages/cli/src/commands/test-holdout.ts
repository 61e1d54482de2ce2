import { readdir } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import type { Gyre } from "@gyre/sdk";
import { UsageError } from "../usage-error.js";
import { type DataFile, dataFile } from "./predict-formats.js";

/**
 * Where `gyre test` finds its holdout: a file, a registered dataset version (`datasets:/name/3`,
 * downloaded through the artifact proxy), or — without `--data` — the dataset the challenger's
 * training run logged with the context `holdout`.
 */

const DATASETS_URI = /^datasets:\/([^/@]+)(?:[/@]([^/]+))?$/i;
const CONTEXT_TAG = "mlflow.data.context";

/** `datasets:/name/3` or `datasets:/name@latest` → the SDK's `name@3` reference; otherwise undefined. */
export function datasetRef(text: string): string | undefined {
  const match = DATASETS_URI.exec(text);
  if (!match) return undefined;
  return match[2] === undefined ? match[1]! : `${match[1]}@${match[2]}`;
}

/** The `datasets:/…` URI the run logged as its holdout, if any. */
export async function loggedHoldout(gyre: Gyre, runId: string | undefined): Promise<string | undefined> {
  if (!runId) return undefined;
  const run = await gyre.getRun(runId);
  for (const input of run.inputs.dataset_inputs ?? []) {
    if (!input.tags?.some((t) => t.key === CONTEXT_TAG && t.value === "holdout")) continue;
    try {
      const uri = (JSON.parse(input.dataset.source) as { uri?: unknown }).uri;
      if (typeof uri === "string" && datasetRef(uri) !== undefined) return uri;
    } catch {
      // Not a Gyre dataset source: keep looking.
    }
  }
  return undefined;
}

/** Downloads a dataset version's files into `dir`; they must share one format. */
export async function downloadDataset(gyre: Gyre, uri: string, dir: string): Promise<DataFile> {
  const ref = datasetRef(uri)!;
  const dataset = await gyre.getDataset(ref);
  await gyre.downloadModel(dataset.info.location, dir);
  const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => extname(f) !== "");
  const data = files.filter((f) => /\.(csv|parquet|pq|jsonl|ndjson)$/i.test(f));
  const formats = new Set(data.map((f) => dataFile("--data", f).format));
  if (data.length === 0 || formats.size !== 1) {
    throw new UsageError(
      `--data ${uri}: gyre test reads a dataset of CSV, Parquet or JSON Lines files of one format; it holds ${files.map((f) => relative(dir, join(dir, f))).join(", ")}`,
    );
  }
  const [format] = formats;
  // DuckDB reads every file of the version at once through a glob.
  const pattern = data.length === 1 ? join(dir, data[0]!) : join(dir, "**", `*${extname(data[0]!)}`);
  return { path: pattern, format: format! };
}
