/**
 * The open-loop load generator in a process of its own: the benchmark process holds generated
 * data and a large heap, and a pause of its garbage collector would be timed as the server's
 * latency (a paced request is timed from when it fell due). Arguments: port, a file of requests
 * separated by NUL bytes, rate (requests/s), duration (ms), connections. Prints one JSON line:
 * counts, latency percentiles, this process's CPU and its event loop's longest delay, so a
 * stalled client shows up as such.
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { LoadRun } from "./loadgen.js";
import { percentile } from "./measure.js";

const [port, file, rate, duration, connections] = process.argv.slice(2);
const all = readFileSync(file!);
const requests: Buffer[] = [];
for (let at = 0; at < all.length; ) {
  const end = all.indexOf(0, at);
  requests.push(all.subarray(at, end < 0 ? all.length : end));
  at = end < 0 ? all.length : end + 1;
}
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const cpu0 = process.cpuUsage();
const result = await new LoadRun({
  port: Number(port),
  requests,
  connections: Number(connections),
  durationMs: Number(duration),
  ratePerS: Number(rate),
}).run();
delay.disable();
const cpu = process.cpuUsage(cpu0);
const sorted = result.latenciesMs.sort();
process.stdout.write(
  `${JSON.stringify({
    ok: result.ok,
    answered: result.answered,
    non2xx: result.non2xx,
    socketErrors: result.socketErrors,
    elapsedMs: result.elapsedMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopDelayMaxMs: delay.max / 1e6,
  })}\n`,
);
