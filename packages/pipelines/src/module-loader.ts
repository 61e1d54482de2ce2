import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { register } from "node:module";
import { extname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GyreError } from "@gyre/core";
import type { AllowedDirectories } from "@gyre/core/paths";
import { isPipeline, type PipelineDef } from "./definition.js";

export interface LoadedPipeline {
  def: PipelineDef;
  /** The module's absolute path: what workers and triggers import. */
  module: string;
}

const TYPESCRIPT = new Set([".ts", ".mts"]);
let typescriptHooks = false;

/**
 * Imports a pipeline module (.js, .mjs, or .ts/.mts through the TypeScript hooks) and picks its
 * pipeline: the one named `name`, else the only one it exports (default export or named).
 * `allowed`: a scheduler's or worker's `--allowed-modules`. Triggers and queued steps name their
 * module, and importing runs it: without a bound, anyone who can create a trigger through the API
 * chooses which file the scheduler runs.
 */
export async function loadPipelineModule(
  file: string,
  name?: string,
  allowed?: AllowedDirectories,
): Promise<LoadedPipeline> {
  const module = resolve(file);
  if (allowed && !(await allowed.contain(module))) {
    throw new GyreError(
      "PERMISSION_DENIED",
      `Pipeline module '${file}' is outside the directories this process imports pipelines from (--allowed-modules ${allowed.configured.join(",")}).`,
    );
  }
  const info = await stat(module).catch(() => undefined);
  if (!info?.isFile()) {
    throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Pipeline module '${file}' does not exist.`);
  }
  if (TYPESCRIPT.has(extname(module)) && !typescriptHooks) {
    // The hooks apply to the whole process and cannot be removed: register them once. Run from
    // source (a test runner that compiles TypeScript itself) there is no compiled hooks file.
    const hooks = new URL("./ts-hooks.js", import.meta.url);
    if (existsSync(fileURLToPath(hooks))) register(hooks);
    typescriptHooks = true;
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(module).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof GyreError) throw error;
    throw new GyreError(
      "INVALID_PARAMETER_VALUE",
      `Pipeline module '${file}' failed to load: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const found = [...new Set(Object.values(exports).filter(isPipeline))];
  const names = found.map((p) => p.name);
  if (name !== undefined) {
    const def = found.find((p) => p.name === name);
    if (!def) {
      throw new GyreError(
        "RESOURCE_DOES_NOT_EXIST",
        `Pipeline module '${file}' exports no pipeline '${name}' (it exports: ${names.join(", ") || "none"}).`,
      );
    }
    return { def, module };
  }
  const [only] = found;
  if (found.length === 1 && only) return { def: only, module };
  throw new GyreError(
    "INVALID_PARAMETER_VALUE",
    found.length === 0
      ? `Pipeline module '${file}' exports no pipeline: export one, e.g. 'export default pipeline("name", (p) => …)'.`
      : `Pipeline module '${file}' exports several pipelines (${names.join(", ")}); name one.`,
  );
}
