import { runCli } from "../../cli/src/cli.js";

/** The CLI run in this process (no spawn per command): its exit code and what it printed. */
export async function gyreCli(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
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
