/**
 * The prediction log's worker thread: builds the sink its parent names (a module and an export,
 * constructed with plain arguments), then turns each packed batch into records and writes them,
 * one batch at a time, answering how many were written or failed.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { PackedBatch } from "./pack.js";
import { unpackEntries } from "./pack.js";
import type { LoggedEntry } from "./record.js";
import { type PredictionSink, writeBatch } from "./sink.js";
import type { FromLogWorker, LogWorkerData, ToLogWorker } from "./threaded-log.js";

const port = parentPort!;
const post = (message: FromLogWorker) => port.postMessage(message);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function write(sink: PredictionSink, batch: PackedBatch): Promise<FromLogWorker> {
  let entries: LoggedEntry[];
  try {
    entries = unpackEntries(batch);
  } catch (error) {
    return { type: "done", written: 0, failed: batch.count, errors: [describe(error)] };
  }
  const { stored, failed, errors } = await writeBatch(sink, entries, pacer());
  return { type: "done", written: stored, failed, errors: errors.map(describe) };
}

/**
 * The log's work spread out in time: at each pause the thread rests twice as long as it worked
 * since the last one (at least a millisecond, a timer's floor), so it never holds a core in long
 * bursts. In bursts of a whole batch it lengthened the tail of the answers' latency on a 2-core
 * machine (p99 4.6–5.0 ms; paced 3.2–4.0 ms in the same runs). The JSONL sink pauses every 128
 * entries (~0.4 ms of work), so the log still keeps up with ~90,000 entries a second.
 */
const REST_FACTOR = 2;

function pacer(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    const worked = performance.now() - since;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, worked * REST_FACTOR)));
    since = performance.now();
  };
}

/**
 * The log must never slow a request: this thread runs at the lowest scheduling priority, so when
 * cores are short the kernel prefers the event loop (and everything else) and the log takes what
 * is left; if that is not enough for long, the log's bounded queue fills and entries are dropped
 * and counted, rather than answers delayed. Priority does not make the log free — on a 2-core
 * machine its CPU still slowed the event loop measurably — which is why the JSONL sink writes
 * bytes directly (line-writer.ts). Linux only (nice is per thread there, addressed by the
 * thread's id); elsewhere the thread keeps its priority.
 */
const LOG_THREAD_NICE = 19;

function lowerThreadPriority(): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, LOG_THREAD_NICE);
  } catch {
    // Not Linux, or not permitted: the thread keeps its priority.
  }
}

async function main(): Promise<void> {
  lowerThreadPriority();
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
