/**
 * The floor: a bare Fastify POST route that parses the same V2 body, validates it with the same
 * contract as the serving routes, copies the values into a Float32Array and answers a constant —
 * everything a serving process does except inference and its bookkeeping. Prints its port.
 */
import { v2InferenceRequest } from "@gyre/serving";
import Fastify from "fastify";

const ANSWER = JSON.stringify({
  model_name: "floor",
  id: "x",
  outputs: [{ name: "probability", datatype: "FP32", shape: [1, 1], data: [0.5] }],
});

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
app.post("/v2/models/:name/infer", (request, reply) => {
  const parsed = v2InferenceRequest.parse(request.body);
  const data = parsed.inputs[0]?.data ?? [];
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = Number(data[i]);
  return reply.type("application/json").send(ANSWER);
});
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
