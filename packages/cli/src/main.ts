#!/usr/bin/env node
import { runCli } from "./cli.js";
import type { CliContext } from "./io.js";

/** The process edge: arguments, environment, output streams and signals enter here and nowhere else. */
const context: CliContext = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  untilShutdown: () =>
    new Promise((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve(signal);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    }),
};

// exitCode rather than exit(): pending output is written out before the process ends.
process.exitCode = await runCli(process.argv.slice(2), context);
