import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { httpRequests } from "./bodies.js";
import type { LoadRun } from "./loadgen.js";
import { type Figures, measure } from "./measure.js";
import { logregGraph, writeModel } from "./models.js";
import { type ServerProcess, startGyreServe, startGyreServer } from "./processes.js";

export const ALIAS_REQUESTS = 100_000;
export const ALIAS_MOVES = 10;
const MODEL = "bench-logreg";

export interface AliasFigures {
  requests: number;
  errors: number;
  alias_moves: number;
  /** "Alias ... moved" lines `gyre serve` printed: swaps it completed. */
  swaps_completed: number;
  answers_by_version: Record<string, number>;
  requests_per_s: number;
  p99_ms: number;
}

async function json(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Uploads a model directory through the artifact proxy and registers it as the next version. */
async function register(registry: string, dir: string, prefix: string): Promise<void> {
  for (const file of await readdir(dir)) {
    const response = await fetch(`${registry}/api/2.0/mlflow-artifacts/artifacts/${prefix}/${file}`, {
      method: "PUT",
      body: await readFile(path.join(dir, file)),
    });
    if (!response.ok) throw new Error(`upload ${file}: ${response.status}`);
  }
  await json(`${registry}/api/2.0/mlflow/model-versions/create`, {
    name: MODEL,
    source: `mlflow-artifacts:/${prefix}`,
  });
}

function setAlias(registry: string, version: string): Promise<unknown> {
  return json(`${registry}/api/2.0/mlflow/registered-models/alias`, {
    name: MODEL,
    alias: "champion",
    version,
  });
}

/**
 * Zero errors while the alias moves: two registered versions of the logistic model (different
 * biases), `gyre serve models:/bench-logreg@champion` following the alias, 100,000 batch-1
 * requests at 50 connections, and the alias moved back and forth 10 times, evenly spread over
 * the requests. Every answer's model_version is counted, so both versions must be seen.
 */
export async function aliasMoves(
  dir: string,
  bodies: readonly string[],
  log: (message: string) => void,
): Promise<AliasFigures & { latency: Figures }> {
  const registry = await startGyreServer(path.join(dir, "registry"));
  let serve: ServerProcess | undefined;
  try {
    await json(`${registry.url}/api/2.0/mlflow/registered-models/create`, { name: MODEL });
    await register(registry.url, await writeModel(path.join(dir, "v1"), logregGraph(1, 0.25)), "bench/v1");
    await register(registry.url, await writeModel(path.join(dir, "v2"), logregGraph(1, -0.25)), "bench/v2");
    await setAlias(registry.url, "1");
    serve = await startGyreServe(
      [
        `models:/${MODEL}@champion`,
        "--port",
        "0",
        "--tracking-uri",
        registry.url,
        "--follow-alias-seconds",
        "0.1",
      ],
      path.join(dir, "home"),
    );
    log(`alias moves: ${ALIAS_REQUESTS} requests while champion moves ${ALIAS_MOVES} times`);
    const byVersion: Record<string, number> = {};
    let moves = 0;
    let moving: Promise<unknown> = Promise.resolve();
    const watch = (run: LoadRun) => {
      const timer = setInterval(() => {
        // The k-th move once k/11 of the requests have been answered.
        while (moves < ALIAS_MOVES && run.answered >= ((moves + 1) * ALIAS_REQUESTS) / (ALIAS_MOVES + 1)) {
          moves++;
          const version = moves % 2 === 1 ? "2" : "1";
          moving = moving.then(() => setAlias(registry.url, version));
        }
        if (moves === ALIAS_MOVES || run.issued >= ALIAS_REQUESTS) clearInterval(timer);
      }, 5);
    };
    const { figures } = await measure(
      serve,
      {
        requests: httpRequests(`/v2/models/${MODEL}/infer`, bodies),
        maxRequests: ALIAS_REQUESTS,
        durationMs: 600_000,
        onBody: (body) => {
          const version = /"model_version":"([^"]+)"/.exec(body.toString("latin1"))?.[1] ?? "?";
          byVersion[version] = (byVersion[version] ?? 0) + 1;
        },
      },
      watch,
    );
    await moving;
    // The last move's swap may complete just after the load ends.
    const swaps = () => (serve!.output().stdout.match(/^Alias champion moved/gm) ?? []).length;
    for (let waited = 0; swaps() < moves && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      requests: figures.requests,
      errors: figures.errors,
      alias_moves: moves,
      swaps_completed: swaps(),
      answers_by_version: byVersion,
      requests_per_s: figures.requests_per_s,
      p99_ms: figures.p99_ms,
      latency: figures,
    };
  } finally {
    await serve?.stop();
    await registry.stop();
  }
}
