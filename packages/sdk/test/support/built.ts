import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * Tests that spawn Node need compiled output. The root `npm test` builds first; a lone
 * `vitest run` on a fresh checkout builds here.
 */
export function ensureBuilt(project: "packages/sdk" | "packages/cli", entry: string): string {
  const file = join(REPO_ROOT, entry);
  if (!existsSync(file)) execFileSync("npx", ["tsc", "-b", project], { cwd: REPO_ROOT, stdio: "inherit" });
  return file;
}
