// A server for throughput-check.mjs, in its own process (its own event loop and core):
//   node throughput-server.mjs serving|floor
// "serving": the 20-feature logistic model behind the V2 routes. "floor": a bare Fastify POST
// route that parses and validates the same body (the V2 request contract), copies the data into
// a Float32Array and returns a constant V2 answer. Prints the port on stdout.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_IR_VERSION, DEFAULT_ONNX_OPSET, encodeModel } from "@gyre/onnx";
import Fastify from "fastify";
import {
  buildServingApp,
  ModelRuntime,
  StaticModelRegistry,
  v2InferenceRequest,
  writeModelDir,
} from "../dist/index.js";

const mode = process.argv[2] ?? "serving";
let app;
let served = 0;
let baseline;
/** Server CPU per request: the figure that stays put however busy the machine is (serving.md, 2.1). */
function report(extra) {
  const cpu = process.cpuUsage(baseline);
  console.error(
    JSON.stringify({
      mode,
      requests: served,
      cpu_us_per_request: Math.round((cpu.user + cpu.system) / Math.max(served, 1)),
      ...extra,
    }),
  );
}
if (mode === "serving") {
  const dir = await mkdtemp(path.join(tmpdir(), "gyre-throughput-"));
  const weights = Array.from({ length: 20 }, (_, i) => (i - 10) / 8);
  const onnxBytes = encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [{ domain: "", version: DEFAULT_ONNX_OPSET }],
    graph: {
      name: "logreg20",
      nodes: [
        { opType: "MatMul", inputs: ["input", "W"], outputs: ["xw"] },
        { opType: "Add", inputs: ["xw", "b"], outputs: ["logit"] },
        { opType: "Sigmoid", inputs: ["logit"], outputs: ["probability"] },
      ],
      initializers: [
        { name: "W", dataType: "float", dims: [20, 1], floatData: weights },
        { name: "b", dataType: "float", dims: [1], floatData: [0.25] },
      ],
      inputs: [{ name: "input", elemType: "float", shape: ["N", 20] }],
      outputs: [{ name: "probability", elemType: "float", shape: ["N", 1] }],
    },
  });
  await writeModelDir(dir, { onnxBytes });
  const runtime = await ModelRuntime.load(dir, { name: "logreg" });
  app = await buildServingApp({ models: new StaticModelRegistry([{ name: "logreg", predictor: runtime }]) });
  process.on("SIGTERM", () => {
    report({ runs: runtime.stats.runs, rows_per_run: +(runtime.stats.rows / runtime.stats.runs).toFixed(1) });
    process.exit(0);
  });
} else {
  app = Fastify({ logger: false });
  const answer = JSON.stringify({
    model_name: "logreg",
    id: "x",
    outputs: [{ name: "probability", datatype: "FP32", shape: [1, 1], data: [0.5] }],
  });
  app.post("/v2/models/logreg/infer", (request, reply) => {
    const parsed = v2InferenceRequest.parse(request.body);
    const data = parsed.inputs[0].data;
    const features = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) features[i] = data[i];
    return reply.type("application/json").send(answer);
  });
  process.on("SIGTERM", () => {
    report({});
    process.exit(0);
  });
}
app.addHook("onResponse", (_request, _reply, done) => {
  served++;
  done();
});
await app.listen({ host: "127.0.0.1", port: 0 });
baseline = process.cpuUsage();
console.log(app.server.address().port);
