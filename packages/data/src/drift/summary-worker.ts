import { parentPort } from "node:worker_threads";
import { SortScratch } from "./sort.js";
import { summariseNumeric } from "./summary.js";
import type { SummaryReply, SummaryRequest } from "./workers.js";

/** A drift worker: summarises the numeric columns it is sent (the sort dominates), one at a time. */
const port = parentPort;
// This thread's sort memory, reused for every column it is sent.
const scratch = new SortScratch();
if (!port) throw new Error("summary-worker.js runs only as a worker thread");
port.on("message", (request: SummaryRequest) => {
  try {
    const summary = summariseNumeric(
      new Float64Array(request.buffer, request.offset, request.length),
      scratch,
    );
    const transfer = [summary.values.buffer, ...(summary.counts ? [summary.counts.buffer] : [])];
    port.postMessage({ id: request.id, summary } satisfies SummaryReply, transfer as ArrayBuffer[]);
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
// Modules loaded, listener set: the pool may count this thread as started.
port.postMessage({ ready: true } satisfies SummaryReply);
