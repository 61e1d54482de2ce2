import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { type ExpectationSuite, features, GyreError } from "@gyre/core";
import { type Gyre, validateDataset } from "@gyre/sdk";

/** The continuous-training template's calls about data: validation, the point-in-time join, downloads. */

export interface TrainingSetInput {
  readonly dataset: string;
  readonly featureService: string;
  readonly timestampColumn: string;
  /** Register the joined rows as a version of this dataset. */
  readonly register: string;
  readonly gyre: Gyre;
  log(...parts: unknown[]): void;
}

/** The feature store's point-in-time join, registering its result as a dataset version. */
export async function joinFeatures(input: TrainingSetInput): Promise<string> {
  const answer = await input.gyre.client.call(features.getHistoricalFeatures, {
    entity_dataset: input.dataset,
    timestamp_column: input.timestampColumn,
    feature_service: input.featureService,
    full_feature_names: false,
    register: input.register,
  });
  if (!answer.dataset_uri)
    throw new GyreError("INTERNAL_ERROR", "The point-in-time join registered no dataset.");
  input.log(
    `joined ${answer.rows} rows with '${input.featureService}' in ${answer.seconds.toFixed(2)} s → ${answer.dataset_uri}`,
  );
  return answer.dataset_uri;
}

/** `datasets:/name/3` → `name@3`, the SDK's reference form. */
export function datasetRef(uri: string): string {
  const match = /^datasets:\/([^/]+)\/(\d+)$/.exec(uri);
  if (!match)
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `'${uri}' is not a dataset version URI (datasets:/name/3).`,
    );
  return `${match[1]}@${match[2]}`;
}

export async function validate(gyre: Gyre, uri: string, suite: unknown, log: (...p: unknown[]) => void) {
  const { results } = (await validateDataset(gyre.client, datasetRef(uri), suite as ExpectationSuite)).result;
  const failed = results.filter((r) => !r.success);
  log(`${uri}: ${results.length - failed.length}/${results.length} expectations hold`);
  if (failed.length > 0) {
    const lines = failed.map(
      (r) =>
        `  - ${r.description}: observed ${JSON.stringify(r.observed)}${r.error ? ` (${r.error})` : ""}${r.sample?.length ? `; e.g. ${JSON.stringify(r.sample.slice(0, 3))}` : ""}`,
    );
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `${uri} fails its expectation suite:\n${lines.join("\n")}`,
    );
  }
  return results.length;
}

export async function downloadDataset(gyre: Gyre, uri: string, dir: string): Promise<string[]> {
  const dataset = await gyre.getDataset(datasetRef(uri));
  await gyre.downloadModel(dataset.info.location, dir);
  const files = (await readdir(dir, { recursive: true })).map(String);
  return files.filter((f) => /\.(csv|parquet|pq|jsonl|ndjson)$/i.test(f)).map((f) => join(dir, f));
}
