// Quick throughput check (not a benchmark suite): batch-1 V2 requests for the 20-feature
// logistic model, 50 concurrent keep-alive connections for 5 s, bodies rotating over 1,000
// distinct rows, against the serving routes and against a bare Fastify POST floor, each server
// in its own process, alternating twice. Uses wrk (Debian's `wrk`) when installed — a node
// client costs more CPU than the server it measures — else a node keep-alive client.
// Run after `npm run build`:  node packages/serving/scripts/throughput-check.mjs
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 5);
const here = fileURLToPath(new URL(".", import.meta.url));

function bodies() {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: 1000 }, (_, i) =>
    Buffer.from(
      JSON.stringify({
        id: `r${i}`,
        inputs: [
          {
            name: "input",
            shape: [1, 20],
            datatype: "FP32",
            data: Array.from({ length: 20 }, () => Math.round((random() * 4 - 2) * 1000) / 1000),
          },
        ],
      }),
    ),
  );
}

async function startServer(mode) {
  const child = spawn(process.execPath, [`${here}/throughput-server.mjs`, mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (chunk) => resolve(Number(String(chunk).trim())));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, port };
}

async function load(port, payloads, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const one = (body) =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/v2/models/logreg/infer",
          agent,
          headers: { "content-type": "application/json", "content-length": body.length },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const worker = async () => {
    while (performance.now() < deadline) await one(payloads[next++ % payloads.length]);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  return {
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50_ms: pct(50),
    p99_ms: pct(99),
    errors,
  };
}

function hasWrk() {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary is ENOENT.
    return error.code !== "ENOENT";
  }
}

function wrkLoad(port, script, seconds) {
  const out = execFileSync(
    "wrk",
    [
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      "--latency",
      "-s",
      script,
      `http://127.0.0.1:${port}/v2/models/logreg/infer`,
    ],
    { encoding: "utf8" },
  );
  const number = (re) => Number(out.match(re)?.[1] ?? Number.NaN);
  const ms = (re) => {
    const m = out.match(re);
    if (!m) return Number.NaN;
    const factor = { us: 0.001, ms: 1, s: 1000 }[m[2]];
    return +(Number(m[1]) * factor).toFixed(2);
  };
  const non2xx = number(/Non-2xx or 3xx responses:\s+(\d+)/) || 0;
  const socketErrors = out.match(/Socket errors:.*/)?.[0];
  return {
    requests: number(/(\d+) requests in/),
    rps: Math.round(number(/Requests\/sec:\s+([\d.]+)/)),
    p50_ms: ms(/50%\s+([\d.]+)(us|ms|s)/),
    p99_ms: ms(/99%\s+([\d.]+)(us|ms|s)/),
    errors: non2xx + (socketErrors ? 1 : 0),
  };
}

function wrkScript(payloads) {
  const file = path.join(tmpdir(), `gyre-throughput-${process.pid}.lua`);
  const lua = payloads.map((b) => `[==[${b.toString()}]==]`).join(",\n");
  writeFileSync(
    file,
    `local bodies = {\n${lua}\n}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\nend\n`,
  );
  return file;
}

const payloads = bodies();
const useWrk = hasWrk();
const script = useWrk ? wrkScript(payloads) : undefined;
console.log(JSON.stringify({ client: useWrk ? "wrk" : "node", connections: CONNECTIONS, seconds: SECONDS }));
const results = {};
for (const mode of ["floor", "serving", "floor", "serving"]) {
  const { child, port } = await startServer(mode);
  const run = (seconds) => (useWrk ? wrkLoad(port, script, seconds) : load(port, payloads, seconds));
  await run(1); // warm-up
  const result = await run(SECONDS);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  results[mode] = [...(results[mode] ?? []), result];
  console.log(JSON.stringify({ mode, ...result }));
}
const best = (mode) => Math.max(...results[mode].map((r) => r.rps));
console.log(JSON.stringify({ serving_vs_floor: (best("serving") / best("floor")).toFixed(2) }));
