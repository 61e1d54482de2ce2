import { runCli } from "../../src/cli.js";
import type { CliResult } from "./spawn-cli.js";

/** Runs one command line in this process (no child, no build needed) and captures its output. */
export async function runCliCaptured(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    untilShutdown: () => new Promise(() => {}),
  });
  return { code, stdout, stderr };
}
