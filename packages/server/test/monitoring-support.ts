import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../../cli/src/cli.js";
import { createGyre, type Gyre, type ServerConfigInput } from "../src/index.js";
import type { ScratchStore } from "../src/testing/index.js";

/** The CLI run in this process (no spawn per command): its exit code and what it printed. */
export async function gyreCli(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    untilShutdown: () => new Promise(() => {}),
  });
  return { code, stdout, stderr };
}

/** A server that serves deployments, over a scratch store; polling off (tests change things themselves). */
export async function startServingGyre(
  store: ScratchStore,
  extra: Partial<ServerConfigInput> = {},
): Promise<{ gyre: Gyre; url: string }> {
  const gyre = await createGyre({
    backendStoreUri: store.uri,
    artifactsDestination: store.artifacts,
    port: 0,
    logLevel: false,
    serveDeployments: true,
    deploymentPollMs: 0,
    ...extra,
  });
  return { gyre, url: await gyre.listen() };
}

export async function postJson(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

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
