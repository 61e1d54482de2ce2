import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export const FIXTURES = join(here, "..", "fixtures");
/** The shared data sets (see shared/data/README.md). */
export const SHARED_DATA =
  process.env.GYRE_SHARED_DATA ?? join(here, "..", "..", "..", "..", "..", "shared", "data");

export function fixtureJson<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

/** A private scratch directory, removed by the returned function. */
export function scratchDir(prefix = "gyre-data-"): {
  dir: string;
  write(name: string, text: string): string;
  dispose(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Relative closeness for figures that numpy and DuckDB sum in different orders. */
export function close(actual: number | null, expected: number | null, relative = 1e-9): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected));
}
