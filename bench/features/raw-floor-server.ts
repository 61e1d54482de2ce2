/**
 * A second, lower floor for the online route: plain node:http (no framework) that parses the JSON
 * body and answers a constant of the same size as Gyre's answer, writing the answers of one
 * event-loop turn together as the online route does. What is left of p99 here is the HTTP
 * exchange itself on these cores under this load. Prints its port.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const answer = readFileSync(process.argv[2]!, "utf8");
const length = Buffer.byteLength(answer);
let replies: (() => void)[] = [];
const flush = () => {
  const now = replies;
  replies = [];
  for (const reply of now) reply();
};
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (typeof body !== "object" || body === null) throw new Error("no body");
    const reply = () => {
      response.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "content-length": length,
      });
      response.end(answer);
    };
    if (replies.push(reply) === 1) setImmediate(flush);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
