import { performance } from "node:perf_hooks";
import { arrayAt, asObject, type JsonClient, type JsonObject, optionalStringAt, stringAt } from "./client.js";
import {
  HISTORY_BATCH,
  HISTORY_KEY,
  HISTORY_POINTS,
  historyBatch,
  type PlannedRun,
  runMetrics,
  SEED,
  seededRandom,
} from "./data.js";

/** The workload of spec §9.2 (a)–(d), one sequential client, every request awaited in turn. */

const API = "/api/2.0/mlflow";
const SEARCH_PAGE = 1_000;

export async function createExperiment(client: JsonClient, name: string): Promise<string> {
  const { value } = await client.post(`${API}/experiments/create`, { name });
  return stringAt(value, "experiment_id");
}

export interface RunLoopResult {
  wallMs: number;
  requests: number;
  runIds: string[];
  latencyMs: { create: number[]; logBatch: number[]; update: number[] };
}

/**
 * Phase (a): per run, runs/create + one runs/log-batch (10 params, 5 metrics) + runs/update.
 * `runIdOf` reads the id from the create answer; the floor server answers `{}`, so the floor
 * passes a stand-in id and otherwise sends byte-for-byte the same requests.
 */
export async function runLoop(
  client: JsonClient,
  experimentId: string,
  plan: readonly PlannedRun[],
  runIdOf: (created: JsonObject) => string,
): Promise<RunLoopResult> {
  const latencyMs: RunLoopResult["latencyMs"] = { create: [], logBatch: [], update: [] };
  const runIds: string[] = [];
  const started = performance.now();
  for (const run of plan) {
    const created = await client.post(`${API}/runs/create`, {
      experiment_id: experimentId,
      start_time: Date.now(),
    });
    const runId = runIdOf(created.value);
    const logged = await client.post(`${API}/runs/log-batch`, {
      run_id: runId,
      params: run.params,
      metrics: runMetrics(run, Date.now()),
    });
    const updated = await client.post(`${API}/runs/update`, {
      run_id: runId,
      status: "FINISHED",
      end_time: Date.now(),
    });
    latencyMs.create.push(created.ms);
    latencyMs.logBatch.push(logged.ms);
    latencyMs.update.push(updated.ms);
    runIds.push(runId);
  }
  return { wallMs: performance.now() - started, requests: plan.length * 3, runIds, latencyMs };
}

export function createdRunId(created: JsonObject): string {
  const info = asObject(asObject(created.run, "runs/create .run").info, "runs/create .run.info");
  return stringAt(info, "run_id");
}

export interface IngestResult {
  runId: string;
  wallMs: number;
  batchMs: number[];
}

/** Phase (b): 100,000 points of one metric into one run, 1,000 points per runs/log-batch. */
export async function ingestHistory(client: JsonClient, experimentId: string): Promise<IngestResult> {
  const created = await client.post(`${API}/runs/create`, { experiment_id: experimentId, start_time: 0 });
  const runId = createdRunId(created.value);
  const random = seededRandom(SEED + 1);
  const t0 = Date.now();
  const batchMs: number[] = [];
  const started = performance.now();
  for (let first = 0; first < HISTORY_POINTS; first += HISTORY_BATCH) {
    const metrics = historyBatch(random, first, HISTORY_BATCH, t0);
    batchMs.push((await client.post(`${API}/runs/log-batch`, { run_id: runId, metrics })).ms);
  }
  return { runId, wallMs: performance.now() - started, batchMs };
}

/** One timed read: client-side wall time (including JSON parsing) and bytes received. */
export interface Sample {
  ms: number;
  bytes: number;
}

/** Phase (c): the whole history of the key, following next_page_token if the server pages. */
export async function readHistory(client: JsonClient, runId: string): Promise<Sample> {
  let points = 0;
  let bytes = 0;
  let pageToken: string | undefined;
  const started = performance.now();
  do {
    const query: Record<string, string> = { run_id: runId, metric_key: HISTORY_KEY };
    if (pageToken) query.page_token = pageToken;
    const page = await client.get(`${API}/metrics/get-history`, query);
    points += arrayAt(page.value, "metrics").length;
    bytes += page.bytes;
    pageToken = optionalStringAt(page.value, "next_page_token");
  } while (pageToken);
  const ms = performance.now() - started;
  if (points !== HISTORY_POINTS)
    throw new Error(`get-history returned ${points} of ${HISTORY_POINTS} points`);
  return { ms, bytes };
}

export interface SearchResult extends Sample {
  runIds: string[];
}

/** Phase (d), filtered: every matching run (all pages, though ≈100 hits fit in one). */
export async function searchAll(
  client: JsonClient,
  experimentId: string,
  filter: string,
): Promise<SearchResult> {
  const runIds: string[] = [];
  let bytes = 0;
  let pageToken: string | undefined;
  const started = performance.now();
  do {
    const page = await searchPage(client, experimentId, filter, pageToken);
    runIds.push(...page.runIds);
    bytes += page.bytes;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { ms: performance.now() - started, bytes, runIds };
}

/** Phase (d), unfiltered: the first page of 1,000 full runs. */
export async function searchFirstPage(client: JsonClient, experimentId: string): Promise<SearchResult> {
  const started = performance.now();
  const page = await searchPage(client, experimentId, undefined, undefined);
  return { ms: performance.now() - started, bytes: page.bytes, runIds: page.runIds };
}

async function searchPage(
  client: JsonClient,
  experimentId: string,
  filter: string | undefined,
  pageToken: string | undefined,
): Promise<{ runIds: string[]; bytes: number; nextPageToken: string | undefined }> {
  const body: JsonObject = { experiment_ids: [experimentId], max_results: SEARCH_PAGE };
  if (filter !== undefined) body.filter = filter;
  if (pageToken !== undefined) body.page_token = pageToken;
  const { value, bytes } = await client.post(`${API}/runs/search`, body);
  const runIds = arrayAt(value, "runs").map((run) =>
    stringAt(asObject(asObject(run, "runs/search run").info, "runs/search run.info"), "run_id"),
  );
  return { runIds, bytes, nextPageToken: optionalStringAt(value, "next_page_token") };
}
