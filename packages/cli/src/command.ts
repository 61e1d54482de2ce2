import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { CliContext } from "./io.js";
import { UsageError } from "./usage-error.js";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
type ValuesOf<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>["values"];

export interface CommandSpec<O extends OptionsConfig> {
  /** The words that select the command, e.g. ["runs", "list"]. */
  words: readonly string[];
  /** Positional arguments, all required, e.g. ["RUN_ID"]. */
  arguments?: readonly string[];
  /** The last argument may be given more than once (at least once), e.g. `ARM=WEIGHT...`. */
  repeatLast?: boolean;
  summary: string;
  options: O;
  /** One [flags, description] pair per option, in the order the usage text lists them. */
  optionHelp: readonly (readonly [string, string])[];
  run(input: { values: ValuesOf<O>; positionals: string[] }, context: CliContext): Promise<void>;
}

export interface Command {
  readonly words: readonly string[];
  readonly summary: string;
  readonly usage: string;
  execute(argv: string[], context: CliContext): Promise<void>;
}

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

export function defineCommand<const O extends OptionsConfig>(spec: CommandSpec<O>): Command {
  const usage = usageOf(spec);
  return {
    words: spec.words,
    summary: spec.summary,
    usage,
    async execute(argv, context) {
      const { values, positionals } = parseOrExplain(usage, { ...spec.options, ...HELP_OPTION }, argv);
      if (values.help === true) {
        context.stdout(usage);
        return;
      }
      const expected = spec.arguments ?? [];
      const fits = spec.repeatLast
        ? positionals.length >= expected.length
        : positionals.length === expected.length;
      if (!fits) {
        const problem =
          positionals.length < expected.length
            ? `missing ${expected.slice(positionals.length).join(" ")}`
            : `unexpected argument '${positionals[expected.length]}'`;
        throw new UsageError(problem, usage);
      }
      try {
        await spec.run({ values: values as ValuesOf<O>, positionals }, context);
      } catch (error) {
        throw error instanceof UsageError && error.usage === undefined
          ? new UsageError(error.message, usage)
          : error;
      }
    },
  };
}

/** parseArgs reports mistakes as TypeErrors with ERR_PARSE_ARGS_* codes; those are usage errors. */
function parseOrExplain(usage: string, options: OptionsConfig, args: string[]) {
  try {
    return parseArgs({ options, args, allowPositionals: true, strict: true });
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      // Keep the first sentence; parseArgs goes on about '--' escapes that rarely apply.
      throw new UsageError(error.message.split(/\.\s/)[0] ?? error.message, usage);
    }
    throw error;
  }
}

function usageOf(spec: CommandSpec<OptionsConfig>): string {
  const args = (spec.arguments ?? []).map((a, i, all) =>
    spec.repeatLast && i === all.length - 1 ? `${a}...` : a,
  );
  const synopsis = ["gyre", ...spec.words, ...args, "[options]"].join(" ");
  const help = [...spec.optionHelp, ["-h, --help", "Show this help"] as const];
  const width = Math.max(...help.map(([flags]) => flags.length));
  const lines = help.map(([flags, text]) => `  ${flags.padEnd(width)}  ${text}`);
  return `Usage: ${synopsis}\n\n${spec.summary}\n\nOptions:\n${lines.join("\n")}\n`;
}

/** Options shared by every command that reads or writes the tracking store. */
export const TRACKING_OPTIONS = {
  "tracking-uri": { type: "string" },
  json: { type: "boolean" },
} as const;

export const TRACKING_OPTION_HELP = [
  ["--tracking-uri URI", "http(s) server, or sqlite:/postgresql: store opened in-process"],
  ["", "(default: $GYRE_TRACKING_URI, $MLFLOW_TRACKING_URI, else the store in $GYRE_HOME or ./gyre-data)"],
  ["--json", "Print MLflow-shaped JSON instead of text"],
] as const;

/** An integer flag value within bounds, or a usage error naming the flag. */
/** A comma-separated list of directories, relative ones taken from the working directory. */
export function directoriesFlag(value: string): string[] {
  return value
    .split(",")
    .filter((d) => d !== "")
    .map((d) => resolve(d));
}

export function integerFlag(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
}
