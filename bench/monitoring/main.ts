/**
 * Monitoring benchmark (issue 6): drift of a 1,000,000-row × 20-column current table against a
 * 1,000,000-row reference (10 numeric, 10 categorical; see data.ts) with the automatic method
 * choice, through @gyre/data's in-memory path: the reference is prepared once (prepareReference),
 * then the current compared with it (compareToReference), numeric columns on worker threads.
 * stdout: one JSON line — wall and CPU seconds (process.cpuUsage covers every thread), peak RSS,
 * and the ratio to a floor measured in the same run: Float64Array.prototype.sort of a copy of every
 * numeric column of both tables plus one counting pass over every categorical column, on one
 * thread (the least work any exact method does). Progress on stderr.
 *
 * The tables are built in a child process and read back from a binary file (tables-file.ts), and
 * only `@gyre/data/drift` is loaded here, so peak RSS is the tables plus drift detection's own use.
 *
 * Options: --threads N      worker threads (default 2; 0 = the calling thread only)
 *          --data-dir DIR   the shared data sets (default ../shared/data from the repo)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compareToReference, type DriftColumnInput, DriftWorkers, prepareReference } from "@gyre/data/drift";
import type { Tables } from "./data.js";
import { readTables, writeTables } from "./tables-file.js";

const TARGET_WALL_S = 2;
const TARGET_RSS_MB = 500;
/** Evidently 0.7.21 DataDriftPreset and raw scipy on the same shape (features-monitoring.md §2.5). */
const EVIDENTLY = { cpu_s: 81.5, wall_s: 98.2, peak_rss_mb: 2570, scipy_statistics_cpu_s: 6.8 };

function log(message: string): void {
  process.stderr.write(`[bench monitoring ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function measure<T>(run: () => Promise<T>): Promise<{ value: T; wall_s: number; cpu_s: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  return run().then((value) => ({
    value,
    wall_s: (performance.now() - start) / 1000,
    cpu_s: cpuSeconds(cpu),
  }));
}

/** The floor: sort a copy of every numeric column, count every categorical one, one thread. */
function floor(tables: readonly DriftColumnInput[][]): number {
  let checksum = 0;
  for (const table of tables) {
    for (const column of table) {
      if (column.kind === "numeric") checksum += column.values.slice().sort()[0]!;
      else {
        const counts = new Float64Array(column.dictionary.length);
        for (const code of column.codes) if (code >= 0) counts[code]!++;
        checksum += counts[0]!;
      }
    }
  }
  return checksum;
}

function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}

/** The tables, built by a child process (CSV parsing garbage stays there) and read back from a file. */
function tablesFromChild(dataDir: string): Tables {
  const dir = mkdtempSync(join(tmpdir(), "gyre-bench-monitoring-"));
  try {
    const file = join(dir, "tables.bin");
    log("building the 1M × 20 reference and current tables from flights-1m (child process)");
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), "--write-tables", file, "--data-dir", dataDir],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    if (child.status !== 0)
      throw new Error(`building the tables failed (${child.error ?? `exit ${child.status}`})`);
    return readTables(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: "string", default: "2" },
      "data-dir": { type: "string" },
      "write-tables": { type: "string" },
    },
    strict: false,
  });
  const threads = Number(values.threads);
  const dataDir =
    typeof values["data-dir"] === "string"
      ? values["data-dir"]
      : fileURLToPath(new URL("../../../../shared/data/", import.meta.url));

  if (typeof values["write-tables"] === "string") {
    // Only the child loads @gyre/ml and parses the CSV.
    const { buildTables } = await import("./data.js");
    writeTables(values["write-tables"], buildTables(dataDir));
    return;
  }
  const tables = tablesFromChild(dataDir);
  const rssBeforeMb = process.memoryUsage().rss / 1e6;
  const loadBefore = loadavg()[0]!;

  // A pool is started once and kept (as a server does): its start-up is measured on its own.
  const started = await measure(async () => {
    const pool = threads > 0 ? DriftWorkers.start(threads) : undefined;
    await pool?.ready();
    return pool;
  });
  const workers = started.value;
  log(`drift with ${threads > 0 ? `${threads} worker threads` : "the calling thread only"}`);
  const prepared = await measure(() => prepareReference(tables.reference, { workers }));
  const compared = await measure(() => compareToReference(prepared.value, tables.current, { workers }));
  await workers?.close();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  log("floor: sorting and counting the same columns on one thread");
  const floorRun = await measure(async () => floor([tables.reference, tables.current]));

  const result = compared.value;
  const wall = prepared.wall_s + compared.wall_s;
  const cpu = prepared.cpu_s + compared.cpu_s;
  process.stdout.write(
    `${JSON.stringify({
      benchmark: "monitoring",
      shape: { reference_rows: tables.rows, current_rows: tables.rows, numeric: 10, categorical: 10 },
      threads,
      wall_s: round(wall),
      cpu_s: round(cpu),
      peak_rss_mb: Math.round(peakRssMb),
      tables_rss_mb: Math.round(rssBeforeMb),
      phases: {
        start_workers: { wall_s: round(started.wall_s), cpu_s: round(started.cpu_s), counted: false },
        prepare_reference: { wall_s: round(prepared.wall_s), cpu_s: round(prepared.cpu_s) },
        compare_current: { wall_s: round(compared.wall_s), cpu_s: round(compared.cpu_s) },
      },
      floor: {
        what: "sort numeric + count categorical, 1 thread",
        wall_s: round(floorRun.wall_s),
        cpu_s: round(floorRun.cpu_s),
      },
      cpu_vs_floor: round(cpu / floorRun.cpu_s, 2),
      drifted_columns: result.drifted_columns,
      tested_columns: result.tested_columns,
      dataset_drift: result.dataset_drift,
      methods: Object.fromEntries(
        result.columns.map((c) => [c.name, `${c.method}${c.drifted ? " drifted" : ""}`]),
      ),
      targets: { wall_s: TARGET_WALL_S, peak_rss_mb: TARGET_RSS_MB },
      meets_target: { wall_s: wall <= TARGET_WALL_S, peak_rss_mb: peakRssMb <= TARGET_RSS_MB },
      evidently_0_7_21: EVIDENTLY,
      cpu_speedup_vs_evidently: round(EVIDENTLY.cpu_s / cpu, 1),
      loadavg_1m_before: loadBefore,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
