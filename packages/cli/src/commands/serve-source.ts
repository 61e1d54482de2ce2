import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GyreError, registry, tracking } from "@gyre/core";
import type { GyreClient } from "@gyre/sdk";
import { UsageError } from "../usage-error.js";

/** What `gyre serve` was asked to serve. */
export type ModelRef =
  /** `models:/name/3`, `models:/name@alias`, `models:/name/latest`: the server resolves them. */
  | { readonly kind: "registry"; readonly uri: string; readonly alias: string | undefined }
  | { readonly kind: "run"; readonly uri: string; readonly runId: string; readonly path: string }
  | { readonly kind: "dir"; readonly path: string };

/** One concrete model: what it is served as, and where its files are. */
export interface ResolvedModel {
  readonly name: string;
  /** The registry version; undefined for a run's artifacts or a local directory. */
  readonly version: string | undefined;
  /** Where to download the files from (registry and run models). */
  readonly downloadUri: string | undefined;
  /** A local directory served in place. */
  readonly dir: string | undefined;
  /** Where the files are cached under GYRE_HOME: models/<name>/<version> or runs/<run>/<path>. */
  readonly cacheKey: readonly string[];
}

const SCHEME = /^([a-zA-Z][\w+.-]*):/;

export async function parseModelRef(uri: string): Promise<ModelRef> {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "models") {
    // The registry validates the URI; here only the alias matters (it decides whether to follow).
    const rest = uri.replace(/^models:(?:\/\/)?\/*/i, "");
    const at = rest.lastIndexOf("@");
    return { kind: "registry", uri, alias: !rest.includes("/") && at > 0 ? rest.slice(at + 1) : undefined };
  }
  if (scheme === "runs") {
    const match = /^runs:(?:\/\/)?\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(uri);
    if (!match) {
      throw new UsageError(`'${uri}' is not a runs:/ URI; expected runs:/<run_id>/<path/to/model>`);
    }
    return { kind: "run", uri, runId: match[1]!, path: (match[2] ?? "").replace(/^\/+|\/+$/g, "") };
  }
  // Windows drive letters look like schemes; anything else with a scheme is not ours to serve.
  if (scheme !== undefined && scheme.length > 1 && scheme !== "file") {
    throw new UsageError(
      `cannot serve '${uri}': expected models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a model directory`,
    );
  }
  const dir = path.resolve(scheme === "file" ? fileURLToPath(uri) : uri);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`no model directory at ${dir}`);
  return { kind: "dir", path: dir };
}

/** The concrete model a reference names right now (an alias: the version it points at). */
export async function resolveModel(ref: ModelRef, client: GyreClient | undefined): Promise<ResolvedModel> {
  switch (ref.kind) {
    case "dir":
      return {
        name: path.basename(ref.path),
        version: undefined,
        downloadUri: undefined,
        dir: ref.path,
        cacheKey: [],
      };
    case "registry": {
      const found = await requireClient(client).call(registry.resolveModelUri, { uri: ref.uri });
      return {
        name: found.name,
        version: found.version,
        downloadUri: found.download_uri,
        dir: undefined,
        cacheKey: ["models", found.name, found.version],
      };
    }
    case "run": {
      const { run } = await requireClient(client).call(tracking.getRun, { run_id: ref.runId });
      const root = run.info.artifact_uri.replace(/\/+$/, "");
      return {
        name: ref.path === "" ? ref.runId : path.posix.basename(ref.path),
        version: undefined,
        downloadUri: ref.path === "" ? root : `${root}/${ref.path}`,
        dir: undefined,
        cacheKey: ["runs", ref.runId, ...ref.path.split("/").filter(Boolean)],
      };
    }
  }
}

function requireClient(client: GyreClient | undefined): GyreClient {
  if (!client) throw new GyreError("INVALID_STATE", "No registry is open to resolve the model URI.");
  return client;
}
