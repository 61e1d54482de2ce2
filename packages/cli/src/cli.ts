import { GyreError } from "@gyre/sdk";
import type { Command } from "./command.js";
import { dataCommands } from "./commands/data.js";
import { demoCommand } from "./commands/demo.js";
import { deploymentsCommands } from "./commands/deployments.js";
import { experimentsCreateCommand, experimentsListCommand } from "./commands/experiments.js";
import { featuresCommands } from "./commands/features.js";
import { labelsCommands } from "./commands/labels.js";
import { modelsCommands } from "./commands/models.js";
import { monitorCommands } from "./commands/monitor.js";
import { pipelinesCommands } from "./commands/pipelines.js";
import { predictCommand } from "./commands/predict.js";
import { runsListCommand, runsShowCommand } from "./commands/runs.js";
import { serveCommand } from "./commands/serve.js";
import { serverCommand } from "./commands/server.js";
import { testCommand } from "./commands/test.js";
import { workerCommand } from "./commands/worker.js";
import { type CliContext, printLine } from "./io.js";
import { UsageError } from "./usage-error.js";

const COMMANDS: readonly Command[] = [
  serverCommand,
  serveCommand,
  experimentsListCommand,
  experimentsCreateCommand,
  runsListCommand,
  runsShowCommand,
  ...modelsCommands,
  ...deploymentsCommands,
  predictCommand,
  ...dataCommands,
  ...featuresCommands,
  testCommand,
  demoCommand,
  ...pipelinesCommands,
  ...monitorCommands,
  ...labelsCommands,
  workerCommand,
];

const HELP_FLAGS = new Set(["-h", "--help", "help"]);

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Runs one command line; resolves to the process exit code. Never throws. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    await dispatch([...argv], context);
    return EXIT_OK;
  } catch (error) {
    return report(error, context);
  }
}

async function dispatch(argv: string[], context: CliContext): Promise<void> {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError("missing command", mainUsage());
  if (HELP_FLAGS.has(first)) return context.stdout(mainUsage());
  if (first === "--version") return printLine(context.stdout, (await import("@gyre/server")).GYRE_VERSION);

  const command = COMMANDS.find((c) => c.words.every((word, i) => argv[i] === word));
  if (command) return command.execute(argv.slice(command.words.length), context);

  const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === first);
  if (group.length === 0) throw new UsageError(`unknown command '${first}'`, mainUsage());
  if (second !== undefined && HELP_FLAGS.has(second))
    return context.stdout(commandList(group, `gyre ${first}`));
  const problem = second === undefined ? `missing ${first} command` : `unknown command '${first} ${second}'`;
  throw new UsageError(problem, commandList(group, `gyre ${first}`));
}

/** Usage goes with mistakes in the command line; other failures are one line, never a stack trace. */
function report(error: unknown, context: CliContext): number {
  if (error instanceof UsageError) {
    context.stderr(`error: ${error.message}\n\n${error.usage ?? mainUsage()}`);
    return EXIT_USAGE;
  }
  if (error instanceof GyreError) {
    printLine(context.stderr, `error: ${error.message} [${error.code}]`);
    return EXIT_FAILURE;
  }
  printLine(context.stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_FAILURE;
}

function mainUsage(): string {
  return `${commandList(COMMANDS, "gyre")}
Tracking store, for every command but 'server': --tracking-uri, else $GYRE_TRACKING_URI, else
$MLFLOW_TRACKING_URI, else the embedded store in $GYRE_HOME (default ./gyre-data). An http(s) URL
is a running server; a sqlite:/// or postgresql:// URI is opened in-process.

Run 'gyre <command> --help' for a command's options.
`;
}

function commandList(commands: readonly Command[], prefix: string): string {
  const names = commands.map((c) => c.words.join(" "));
  const width = Math.max(...names.map((n) => n.length));
  const lines = commands.map((c, i) => `  ${names[i]?.padEnd(width)}  ${c.summary}`);
  return `Usage: ${prefix} <command> [options]\n\nCommands:\n${lines.join("\n")}\n`;
}
