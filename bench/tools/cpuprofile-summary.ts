/**
 * Summarises V8 .cpuprofile files (e.g. from `npm run bench -- --profile <dir>`) as plain text:
 * self time by area (package / Gyre module / runtime), top functions by self and inclusive time.
 * Usage: node bench/dist/tools/cpuprofile-summary.js [--top N] file.cpuprofile...
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Sampled time per key, in microseconds. */
type Tally = Map<string, number>;

function add(tally: Tally, key: string, us: number): void {
  tally.set(key, (tally.get(key) ?? 0) + us);
}

/** Which package or module a frame belongs to: the level at which costs are usually owned. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const gyre = /packages\/([^/]+)\/dist\/(.+)\.js$/.exec(url);
  if (gyre) return `@gyre/${gyre[1]}/${gyre[2]}`;
  return basename(url);
}

/** The frame's file, shortened to where it lives (package path or Gyre package), with its line. */
function locationOf(frame: CallFrame): string {
  const short = /(?:node_modules|packages)\/(.+)$/.exec(frame.url)?.[1] ?? frame.url;
  return `${short}:${frame.lineNumber + 1}`;
}

function functionKey(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  return frame.url === "" ? name : `${name} ${locationOf(frame)}`;
}

interface Summary {
  totalUs: number;
  idleUs: number;
  byArea: Tally;
  selfByFunction: Tally;
  inclusiveByFunction: Tally;
}

function summarise(profile: Profile): Summary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const summary: Summary = {
    totalUs: 0,
    idleUs: 0,
    byArea: new Map(),
    selfByFunction: new Map(),
    inclusiveByFunction: new Map(),
  };
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the gap before sample i, so sample i lasts until the next one.
    const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    summary.totalUs += us;
    if (node.callFrame.functionName === "(idle)") {
      summary.idleUs += us;
      return;
    }
    add(summary.byArea, areaOf(node.callFrame), us);
    add(summary.selfByFunction, functionKey(node.callFrame), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = functionKey(byId.get(at)!.callFrame);
      if (!seen.has(key)) add(summary.inclusiveByFunction, key, us);
      seen.add(key);
    }
  });
  return summary;
}

function table(title: string, tally: Tally, busyUs: number, top: number): string {
  const rows = [...tally].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = rows.map(
    ([key, us]) =>
      `  ${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${key}`,
  );
  return [`${title}:`, ...lines].join("\n");
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: "string", default: "25" } },
    allowPositionals: true,
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const summary = summarise(JSON.parse(readFileSync(file, "utf8")) as Profile);
    const busyUs = summary.totalUs - summary.idleUs;
    const header = `${basename(file)}: ${(summary.totalUs / 1000).toFixed(0)} ms sampled, ${(busyUs / 1000).toFixed(0)} ms busy`;
    const body = [
      table("self time by area", summary.byArea, busyUs, top),
      table("self time by function", summary.selfByFunction, busyUs, top),
      table("inclusive time by function", summary.inclusiveByFunction, busyUs, top),
    ];
    process.stdout.write(`${[`== ${header}`, ...body].join("\n\n")}\n\n`);
  }
}

main();
