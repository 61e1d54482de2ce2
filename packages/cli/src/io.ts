import type { Environment } from "@gyre/sdk";

/** Everything a command may touch outside itself; main.ts binds it to the process, tests could fake it. */
export interface CliContext {
  readonly env: Environment;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves with the signal's name when the user asks a long-running command to stop. */
  untilShutdown(): Promise<string>;
}

/** Writes text as a whole line. */
export function printLine(write: (text: string) => void, text: string): void {
  write(text.endsWith("\n") ? text : `${text}\n`);
}

export function printJson(context: CliContext, value: unknown): void {
  context.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
