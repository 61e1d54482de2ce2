import { type ChildProcess, execFile, spawn } from "node:child_process";
import { ensureBuilt } from "../../../sdk/test/support/built.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const main = () => ensureBuilt("packages/cli", "packages/cli/dist/main.js");

/**
 * The environment a CLI process sees: only what the test sets, so a developer's own
 * GYRE_TRACKING_URI or GYRE_HOME can never leak in. TZ pins the table's local times.
 */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TZ: "UTC", ...extra };
}

/** Runs `gyre <args>` to completion. */
export function gyreCli(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [main(), ...args], { env: cliEnv(env), cwd }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Starts `gyre <args>` and leaves it running (for `gyre server`). */
export function spawnGyre(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [main(), ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
}
