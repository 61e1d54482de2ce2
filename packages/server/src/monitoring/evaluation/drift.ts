import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DriftReport } from "@gyre/core";
import { DataEngine, detectDrift, tableOverFiles } from "@gyre/data";
import type { ReferenceData } from "../reference.js";
import type { Cell } from "./columns.js";

export interface DriftOptions {
  readonly columns?: readonly string[] | undefined;
  readonly driftShare: number;
}

/**
 * Drift of the window's input columns against the reference with @gyre/data: the window's rows
 * are written once as JSON lines to a private temporary directory and read by DuckDB beside the
 * reference's files, one pass per column.
 */
export async function driftOf(
  reference: ReferenceData,
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
  options: DriftOptions,
): Promise<DriftReport> {
  const dir = await mkdtemp(path.join(tmpdir(), "gyre-monitor-"));
  try {
    const file = path.join(dir, "current.jsonl");
    await writeFile(file, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const engine = await DataEngine.open({
      allowedDirectories: [dir, ...new Set(reference.files.map((f) => path.dirname(f.path)))],
    });
    try {
      const ref = await tableOverFiles(engine, "reference", reference.files);
      const cur = await tableOverFiles(engine, "current", [
        { path: file, relative: "current.jsonl", format: "json", size: (await stat(file)).size },
      ]);
      const tested = (options.columns ?? columns).filter((c) => cur.columns.some((k) => k.name === c));
      return await detectDrift(ref, cur, {
        referenceName: reference.name,
        columns: tested,
        driftShare: options.driftShare,
      });
    } finally {
      engine.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
