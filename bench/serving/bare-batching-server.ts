/**
 * The design's ceiling on this machine: serving.md Part 2's prototype — node:http, the V2 body
 * parsed, its 20 values copied, and next-turn batching into one onnxruntime call — with nothing
 * else (no validation against a signature, no request ids, no prediction log, no metrics, no
 * routing). Set beside the floor, it tells how much of Gyre's gap to the floor is the model on
 * this machine and how much is Gyre's own work. Benchmark-only: it trusts its input.
 * Usage: node bare-batching-server.js <model.onnx>; prints its port.
 */
import { createServer, type ServerResponse } from "node:http";
import * as ort from "onnxruntime-node";

const FEATURES = 20;
const MAX_ROWS = 128;

interface Queued {
  readonly id: unknown;
  readonly values: Float32Array;
  readonly response: ServerResponse;
}

const session = await ort.InferenceSession.create(process.argv[2]!, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
});
const input = session.inputNames[0]!;
const queue: Queued[] = [];
let running = false;
let scheduled = false;

function schedule(): void {
  if (running || scheduled) return;
  scheduled = true;
  setImmediate(() => void flush());
}

function answer(item: Queued, outputs: ort.InferenceSession.ReturnType, row: number): void {
  const parts = Object.entries(outputs).map(([name, tensor]) => {
    const width = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
    const data = Array.from((tensor.data as Float32Array).subarray(row * width, (row + 1) * width), Number);
    return { name, datatype: tensor.type === "int64" ? "INT64" : "FP32", shape: [1, width], data };
  });
  const body = JSON.stringify({ model_name: "bare", id: item.id, outputs: parts });
  item.response.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  item.response.end(body);
}

async function flush(): Promise<void> {
  scheduled = false;
  if (running || queue.length === 0) return;
  running = true;
  const items = queue.splice(0, MAX_ROWS);
  const data = new Float32Array(items.length * FEATURES);
  for (const [i, item] of items.entries()) data.set(item.values, i * FEATURES);
  const outputs = await session.run({ [input]: new ort.Tensor("float32", data, [items.length, FEATURES]) });
  for (const [row, item] of items.entries()) answer(item, outputs, row);
  running = false;
  if (queue.length > 0) schedule();
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      id?: unknown;
      inputs: { data: number[] }[];
    };
    const values = Float32Array.from(body.inputs[0]!.data);
    queue.push({ id: body.id, values, response });
    schedule();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
