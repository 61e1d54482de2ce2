import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { invalidParameter } from "@gyre/core";
import type { PredictionRecord } from "@gyre/serving";
import type { PredictionRow, PredictionStore } from "../store/prediction-store.js";
import { rowsOfRecord } from "../store/rows.js";

/** Where an ingest remembers how far it read each part file (inside the log directory). */
export const CHECKPOINT_FILE = "_gyre-ingested.json";
const DAY_DIR = /^date=\d{4}-\d{2}-\d{2}$/;
const PART = /^part-\d+\.jsonl$/;
const BATCH_ROWS = 5000;

export interface IngestResult {
  readonly files: number;
  readonly records: number;
  readonly rows: number;
  /** Lines that were not a prediction record (reported, skipped). */
  readonly invalid: number;
}

export interface IngestOptions {
  /** The deployment name to record (a `gyre serve` process serves one model, no deployment). */
  readonly deployment?: string | undefined;
  readonly onProgress?: (bytes: number, totalBytes: number) => void;
}

/**
 * Moves `gyre serve`'s JSONL prediction log (`<dir>/date=YYYY-MM-DD/part-<n>.jsonl`) into the
 * prediction store. Only complete lines are read; the byte offset reached in each part is saved
 * in a checkpoint after its rows are durable, so re-running picks up where it stopped and never
 * stores a line twice (the store also keeps the first copy of a row).
 */
export async function ingestJsonlLog(
  dir: string,
  store: PredictionStore,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw invalidParameter(`Prediction log directory '${dir}' does not exist.`);
  const checkpointPath = path.join(root, CHECKPOINT_FILE);
  const done = JSON.parse(await readFile(checkpointPath, "utf8").catch(() => "{}")) as Record<string, number>;
  const parts: { relative: string; size: number }[] = [];
  for (const day of (await readdir(root)).filter((d) => DAY_DIR.test(d)).sort()) {
    for (const name of (await readdir(path.join(root, day))).filter((n) => PART.test(n)).sort()) {
      const relative = `${day}/${name}`;
      const { size } = await stat(path.join(root, relative));
      if (size > (done[relative] ?? 0)) parts.push({ relative, size });
    }
  }
  const total = parts.reduce((sum, p) => sum + p.size - (done[p.relative] ?? 0), 0);
  let read = 0;
  let records = 0;
  let rowsStored = 0;
  let invalid = 0;
  for (const part of parts) {
    const from = done[part.relative] ?? 0;
    let pending: PredictionRow[] = [];
    let offset = from;
    const stream = createReadStream(path.join(root, part.relative), { start: from, end: part.size - 1 });
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buffer = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (let nl = buffer.indexOf(10, start); nl !== -1; nl = buffer.indexOf(10, start)) {
        const line = buffer.subarray(start, nl).toString("utf8").trim();
        start = nl + 1;
        if (line === "") continue;
        const record = parseRecord(line);
        if (!record) {
          invalid++;
          continue;
        }
        records++;
        pending.push(...rowsOfRecord(record, { deployment: options.deployment ?? null }));
      }
      carry = buffer.subarray(start);
      offset += chunk.length;
      read += chunk.length;
      options.onProgress?.(read, total);
      if (pending.length >= BATCH_ROWS) {
        await store.appendPredictions(pending);
        rowsStored += pending.length;
        pending = [];
        done[part.relative] = offset - carry.length;
        await saveCheckpoint(checkpointPath, done);
      }
    }
    if (pending.length > 0) await store.appendPredictions(pending);
    rowsStored += pending.length;
    // An unterminated last line is being written by the server: it is read next time.
    done[part.relative] = offset - carry.length;
    await saveCheckpoint(checkpointPath, done);
  }
  return { files: parts.length, records, rows: rowsStored, invalid };
}

function parseRecord(line: string): PredictionRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<PredictionRecord>;
    const ok =
      typeof value.request_id === "string" &&
      typeof value.timestamp === "string" &&
      !Number.isNaN(Date.parse(value.timestamp)) &&
      typeof value.model === "string" &&
      typeof value.inputs === "object" &&
      value.inputs !== null &&
      typeof value.outputs === "object" &&
      value.outputs !== null;
    return ok ? ({ version: null, arm: null, latency_ms: 0, ...value } as PredictionRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function saveCheckpoint(file: string, done: Record<string, number>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(done));
  await rename(`${file}.tmp`, file);
}
