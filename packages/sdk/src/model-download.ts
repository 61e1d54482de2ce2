import { resolve } from "node:path";
import { listProxiedArtifacts, tracking } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { joinArtifactPath, proxyRootOf, proxyUrlPath } from "./artifact-paths.js";
import type { GyreClient } from "./client.js";
import { writeStreamToFile } from "./local-files.js";
import { isModelsUri, isRunsUri, parseRunsUri } from "./model-uri.js";
import { resolveModel } from "./registry.js";

/**
 * Where a model's files are: models:/ through the registry's resolve route, runs:/ under the
 * run's artifact root; any other URI (mlflow-artifacts:/…) already is a location.
 */
export async function modelArtifactUri(client: GyreClient, uri: string): Promise<string> {
  if (isModelsUri(uri)) return (await resolveModel(client, uri)).download_uri;
  if (isRunsUri(uri)) {
    const { runId, path } = parseRunsUri(uri);
    const { run } = await client.call(tracking.getRun, { run_id: runId });
    const root = run.info.artifact_uri.replace(/\/+$/, "");
    return path === "" ? root : `${root}/${path}`;
  }
  return uri;
}

/**
 * Downloads a model directory (every file, recursively) through the artifact proxy into `dir`,
 * keeping its layout; resolves to the absolute path of `dir`. Files stream to disk one at a time.
 */
export async function downloadModel(client: GyreClient, uri: string, dir: string): Promise<string> {
  const location = await modelArtifactUri(client, uri);
  const root = proxyRootOf(location);
  const files = await listTree(client, root);
  if (files.length === 0) {
    throw new GyreError("RESOURCE_DOES_NOT_EXIST", `No model files at ${location} (from '${uri}').`);
  }
  const target = resolve(dir);
  for (const file of files) {
    const response = await client.send({ method: "GET", path: proxyUrlPath(root, file) });
    if (!response.body) throw new GyreError("INTERNAL_ERROR", `Empty response body for artifact '${file}'.`);
    await writeStreamToFile(response.body, resolve(target, ...file.split("/")));
  }
  return target;
}

/** Every file under a proxy path, as paths relative to it, depth first in listing order. */
async function listTree(client: GyreClient, root: string, relative = ""): Promise<string[]> {
  const { files } = await client.call(listProxiedArtifacts, { path: joinArtifactPath(root, relative) });
  const found: string[] = [];
  for (const entry of files ?? []) {
    const name = entry.path.split("/").pop() ?? "";
    // The proxy lists base names; anything else could climb out of the destination directory.
    if (name === "" || name === "." || name === ".." || name.includes("\\")) {
      throw new GyreError(
        "INTERNAL_ERROR",
        `The artifact listing of '${root}' holds an unsafe name '${entry.path}'.`,
      );
    }
    const path = joinArtifactPath(relative, name);
    if (entry.is_dir) found.push(...(await listTree(client, root, path)));
    else found.push(path);
  }
  return found;
}
