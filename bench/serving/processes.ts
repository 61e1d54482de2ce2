import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built CLI: the benchmark serves through `gyre serve` itself, as a user would. */
export const GYRE_MAIN = fileURLToPath(new URL("../../../packages/cli/dist/main.js", import.meta.url));
const FLOOR_SERVER = fileURLToPath(new URL("./floor-server.js", import.meta.url));
const BARE_BATCHING_SERVER = fileURLToPath(new URL("./bare-batching-server.js", import.meta.url));

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  /** Everything the process printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM (a graceful, draining shutdown), SIGKILL if it takes too long. */
  stop(): Promise<number | null>;
}

/** Starts a child and resolves once its stdout matches `ready` (the first group is its URL or port). */
export function startChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")}: not ready within ${START_TIMEOUT_MS} ms; ${stderr}`));
    }, START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}: ${stderr}`));
    });
    child.stdout?.on("data", () => {
      const match = ready.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      const found = match[1]!;
      const url = /^\d+$/.test(found) ? `http://127.0.0.1:${found}` : found;
      resolve({
        pid: child.pid!,
        url,
        port: Number(new URL(url).port),
        output: () => ({ stdout, stderr }),
        async stop() {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
          const code = await exited;
          clearTimeout(timer);
          return code;
        },
      });
    });
  });
}

export function startFloor(): Promise<ServerProcess> {
  return startChild([FLOOR_SERVER], process.env, /^(\d+)$/m);
}

/** The design's ceiling (bare-batching-server.ts) over one ONNX file. */
export function startBareBatching(modelFile: string): Promise<ServerProcess> {
  return startChild([BARE_BATCHING_SERVER, modelFile], process.env, /^(\d+)$/m);
}

/** `gyre serve ...`; resolves once it prints the URL it serves at. */
export function startGyreServe(args: readonly string[], home: string): Promise<ServerProcess> {
  return startChild(
    [GYRE_MAIN, "serve", ...args],
    { ...process.env, GYRE_HOME: home },
    / at (http:\/\/\S+)$/m,
  );
}

/** `gyre server` on a free port with an embedded store in `dir`, plus any extra flags of its own or node's. */
export function startGyreServer(
  dir: string,
  extra: { serverArgs?: readonly string[]; nodeFlags?: readonly string[] } = {},
): Promise<ServerProcess> {
  return startChild(
    [
      ...(extra.nodeFlags ?? []),
      GYRE_MAIN,
      "server",
      "--port",
      "0",
      "--backend-store-uri",
      `sqlite:///${dir}/gyre.db`,
      "--artifacts-destination",
      `${dir}/artifacts`,
      "--log-level",
      "silent",
      ...(extra.serverArgs ?? []),
    ],
    { ...process.env, GYRE_HOME: dir },
    /listening on (http:\/\/\S+)/,
  );
}

let ticksPerSecond: number | undefined;
/** Kernel clock ticks per second (the unit of /proc's CPU times). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of one process (all its threads), ms; 0 once it is gone. */
function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/**
 * utime + stime of a process's main thread — in Node, the event loop (its thread id is the
 * process id) — without V8's helper threads, onnxruntime's or the prediction log's worker.
 */
function mainThreadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(file: string): number {
  try {
    const stat = readFileSync(file, "utf8");
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return children;
}

/** CPU of a server and its direct children (cluster workers), ms: read from /proc, Linux only. */
export function serverCpuMs(pid: number, children: readonly number[]): number {
  return processCpuMs(pid) + children.reduce((sum, child) => sum + processCpuMs(child), 0);
}

/** CPU of the event loops of a server and its direct children (cluster workers), ms. */
export function serverEventLoopCpuMs(pid: number, children: readonly number[]): number {
  return mainThreadCpuMs(pid) + children.reduce((sum, child) => sum + mainThreadCpuMs(child), 0);
}

export function serverChildren(pid: number): number[] {
  return childrenOf(pid);
}

/** Busy time of the whole machine (all CPUs), ms. */
export function machineBusyMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  // cpu user nice system idle iowait irq softirq ...
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = line.trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq) * 1000) / clockTicks();
}
