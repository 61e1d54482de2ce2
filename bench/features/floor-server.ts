/**
 * The online floor: a bare Fastify POST route on the same path that parses the JSON body and
 * answers a constant of the same size as Gyre's answer (given as the first argument, a file
 * holding it) — everything the online route does except the feature read. Prints its port.
 */
import { readFileSync } from "node:fs";
import Fastify from "fastify";

const answer = readFileSync(process.argv[2]!, "utf8");
const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
app.post("/api/2.0/gyre/features/online", (request, reply) => {
  if (typeof request.body !== "object" || request.body === null) throw new Error("no body");
  return reply.type("application/json").send(answer);
});
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
