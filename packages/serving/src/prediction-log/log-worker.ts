/**
 * The prediction log's worker thread: builds the sink its parent names (a module and an export,
 * constructed with plain arguments), then turns each packed batch into records and writes them,
 * one batch at a time, answering how many were written or failed.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PackedBatch } from "./pack.js";
import { unpackEntries } from "./pack.js";
import { type PredictionRecord, toRecord } from "./record.js";
import type { PredictionSink } from "./sink.js";
import type { FromLogWorker, LogWorkerData, ToLogWorker } from "./threaded-log.js";

const port = parentPort!;
const post = (message: FromLogWorker) => port.postMessage(message);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function write(sink: PredictionSink, batch: PackedBatch): Promise<FromLogWorker> {
  const records: PredictionRecord[] = [];
  const errors: string[] = [];
  let failed = 0;
  let entries: ReturnType<typeof unpackEntries> = [];
  try {
    entries = unpackEntries(batch);
  } catch (error) {
    return { type: "done", written: 0, failed: batch.count, errors: [describe(error)] };
  }
  for (const entry of entries) {
    try {
      records.push(toRecord(entry));
    } catch (error) {
      failed++;
      errors.push(describe(error));
    }
  }
  const count = records.length;
  if (count === 0) return { type: "done", written: 0, failed, errors };
  try {
    await sink.write(records);
    return { type: "done", written: count, failed, errors };
  } catch (error) {
    return { type: "done", written: 0, failed: failed + count, errors: [...errors, describe(error)] };
  }
}

async function main(): Promise<void> {
  const { sink: spec } = workerData as LogWorkerData;
  let sink: PredictionSink;
  try {
    const loaded = (await import(spec.module)) as Record<string, new (...args: unknown[]) => PredictionSink>;
    const Sink = loaded[spec.export];
    if (typeof Sink !== "function") throw new Error(`${spec.module} has no export '${spec.export}'`);
    sink = new Sink(...(spec.args ?? []));
  } catch (error) {
    post({ type: "fatal", message: `Cannot start the prediction log's sink: ${describe(error)}` });
    port.close();
    return;
  }
  // Batches are written one at a time, in order: the sink never sees two writes at once.
  let queue: Promise<unknown> = Promise.resolve();
  port.on("message", (message: ToLogWorker) => {
    queue = queue.then(async () => {
      if (message.type === "batch") {
        post(await write(sink, message.batch));
        return;
      }
      try {
        await sink.close();
      } catch (error) {
        post({ type: "done", written: 0, failed: 0, errors: [describe(error)] });
      }
      post({ type: "closed" });
      port.close();
    });
  });
  post({ type: "ready" });
}

await main();
