import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { clockTicks } from "./processes.js";

/**
 * wrk (C, one thread) as the load generator, when it is installed (`apt-get install wrk`): it
 * spends a fraction of the CPU per request that any Node client does, which on 2 shared cores
 * leaves the servers more of them and keeps the client's own scheduling out of the p99. Requests
 * rotate through the same pre-serialised HTTP requests as the Node generator, from a Lua script.
 */

/** wrk's version line, or undefined when it is not on PATH. */
export function wrkVersion(): string | undefined {
  const probe = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (probe.error) return undefined;
  return /wrk (\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? "unknown";
}

/** What a load generator in a child process measured (wrk, or paced-child.ts). */
export interface ChildLoadResult {
  readonly ok: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  readonly elapsedMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The child's own CPU (user + system), ms. */
  readonly cpuMs: number;
  /** paced-child.ts only. */
  readonly p999Ms?: number;
  /** paced-child.ts only: its event loop's longest delay (a stalled client times its stall). */
  readonly loopDelayMaxMs?: number;
}

// Requests are separated by NUL bytes in the file (none of them holds one) and sent in turn;
// done() prints the figures as one JSON line.
const SCRIPT = `
local requests = {}
local n = 0
local i = 0
init = function(args)
  local f = io.open(args[1], "rb")
  local all = f:read("*a")
  f:close()
  for chunk in string.gmatch(all, "([^%z]+)") do
    n = n + 1
    requests[n] = chunk
  end
end
request = function()
  i = i % n + 1
  return requests[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,"status_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

/** Children's CPU reaped so far by this process (utime + stime of waited-for children), ms. */
function reapedChildrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command: state(0) … cutime is field 16 of stat, index 13 here; cstime 14.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks();
}

/** Runs `fn` with the requests in a temporary file, separated by NUL bytes (none holds one). */
export function withRequestsFile<T>(
  requests: readonly Buffer[],
  fn: (file: string, dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "gyre-load-"));
  const file = path.join(dir, "requests.bin");
  writeFileSync(file, Buffer.concat(requests.flatMap((r) => [r, Buffer.from([0])])));
  return fn(file, dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Runs a child to its end; resolves with its stdout and the CPU it used (ms). */
export async function runChildProcess(
  command: string,
  args: readonly string[],
): Promise<{ out: string; cpuMs: number }> {
  const cpu0 = reapedChildrenCpuMs();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}: ${err || out}`)),
    );
  });
  return { out, cpuMs: reapedChildrenCpuMs() - cpu0 };
}

/**
 * One closed-loop run of wrk: 1 thread, `connections` connections, for `durationMs`. Counts a
 * non-2xx answer and a broken connection as errors, as the Node generator does.
 */
export function runWrk(options: {
  port: number;
  requests: readonly Buffer[];
  connections: number;
  durationMs: number;
}): Promise<ChildLoadResult> {
  return withRequestsFile(options.requests, async (data, dir) => {
    const script = path.join(dir, "rotate.lua");
    writeFileSync(script, SCRIPT);
    const seconds = Math.max(1, Math.round(options.durationMs / 1000));
    const { out: output, cpuMs } = await runChildProcess("wrk", [
      "-t1",
      `-c${options.connections}`,
      `-d${seconds}s`,
      "--timeout",
      "10s",
      "-s",
      script,
      `http://127.0.0.1:${options.port}/`,
      "--",
      data,
    ]);
    const line = output.split("\n").find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no figures: ${output}`);
    const figures = JSON.parse(line) as {
      requests: number;
      duration_us: number;
      p50_us: number;
      p99_us: number;
      socket_errors: number;
      status_errors: number;
    };
    return {
      ok: figures.requests - figures.status_errors,
      non2xx: figures.status_errors,
      socketErrors: figures.socket_errors,
      elapsedMs: figures.duration_us / 1000,
      p50Ms: figures.p50_us / 1000,
      p99Ms: figures.p99_us / 1000,
      cpuMs,
    };
  });
}
