import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { postJson } from "../src/testing/index.js";

export { runCliCaptured as gyreCli } from "../../cli/test/support/run-cli.js";
export { postJson, startServingGyre } from "../src/testing/index.js";

/**
 * Registers the model directory `dir` as the next version of `model`: its files PUT through the
 * artifact proxy under models/<model>/v<version>, then model-versions/create (with the run, if any).
 */
export async function registerModelDir(
  url: string,
  model: string,
  version: string,
  dir: string,
  runId?: string,
): Promise<void> {
  for (const name of await readdir(dir)) {
    const put = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/models/${model}/v${version}/${name}`, {
      method: "PUT",
      body: await readFile(join(dir, name)),
    });
    if (put.status !== 200) throw new Error(`PUT ${name}: ${put.status}`);
  }
  const created = await postJson(url, "/api/2.0/mlflow/model-versions/create", {
    name: model,
    source: `mlflow-artifacts:/models/${model}/v${version}`,
    ...(runId ? { run_id: runId } : {}),
  });
  if (created.status !== 200) throw new Error(`model-versions/create: ${JSON.stringify(created.body)}`);
}
