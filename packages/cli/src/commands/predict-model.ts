import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isModelsUri, isRunsUri } from "@gyre/sdk";
import { type TrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";

/** A model directory on local disk, and what to call the model in messages. */
export interface LocalModel {
  readonly dir: string;
  readonly label: string;
  /** Removes a downloaded copy; a directory the user named is left alone. */
  dispose(): Promise<void>;
}

/**
 * Finds a model the way `gyre serve` does: models:/ URIs through the registry's resolve route,
 * runs:/ and mlflow-artifacts: URIs as artifact locations, each downloaded through the SDK (the
 * in-process fetch for a store opened in-process); a local model directory is used as it is.
 */
export async function fetchModel(uri: string, target: TrackingTarget): Promise<LocalModel> {
  if (isModelsUri(uri) || isRunsUri(uri) || /^mlflow-artifacts:/i.test(uri)) {
    const dir = await mkdtemp(join(tmpdir(), "gyre-predict-model-"));
    const dispose = () => rm(dir, { recursive: true, force: true });
    try {
      const label = await withTracking(target, async (gyre) => {
        if (!isModelsUri(uri)) {
          await gyre.downloadModel(uri, dir);
          return uri;
        }
        const version = await gyre.resolveModel(uri);
        await gyre.downloadModel(version.download_uri, dir);
        return `${version.name} version ${version.version}`;
      });
      return { dir, label, dispose };
    } catch (error) {
      await dispose();
      throw error;
    }
  }
  // A malformed URI or a missing directory is a mistake in the command line, as for `gyre serve`.
  const scheme = /^([a-z][\w+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  // One letter is a Windows drive, not a scheme.
  if (scheme !== undefined && scheme.length > 1 && scheme !== "file") {
    throw new UsageError(
      `MODEL_URI must be models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a model directory, got '${uri}'`,
    );
  }
  const dir = resolve(scheme === "file" ? fileURLToPath(uri) : uri);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new UsageError(`no model directory at ${dir}`);
  return { dir, label: basename(dir), dispose: async () => {} };
}
