import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { invalidParameter } from "@gyre/core";

/** Extensions of the module files `importModule` compiles with the TypeScript compiler first. */
const TYPESCRIPT_EXTENSIONS: readonly string[] = [".ts", ".mts"];

/**
 * Imports a definitions module the user wrote (a feature repository, an expectation suite):
 * .js/.mjs as they are, .ts/.mts compiled with the `typescript` package when it is installed. A
 * module that fails to load is INVALID_PARAMETER_VALUE naming the file.
 */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT_EXTENSIONS.includes(extname(file))) return importTypeScript(file);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw invalidParameter(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Compiles one .ts file beside itself (so its relative imports resolve), imports it, removes it. */
async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  let ts: typeof import("typescript");
  try {
    ts = (await import("typescript")).default;
  } catch {
    throw invalidParameter(
      `${file}: loading TypeScript needs the 'typescript' package; or compile it to JavaScript (.js).`,
    );
  }
  const output = ts.transpileModule(await readFile(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: file,
  });
  const compiled = join(dirname(file), `.gyre-${randomBytes(6).toString("hex")}.mjs`);
  await writeFile(compiled, output.outputText);
  try {
    return (await import(pathToFileURL(compiled).href)) as Record<string, unknown>;
  } catch (error) {
    // The compiled copy is removed below: name the file that was written instead.
    const message = error instanceof Error ? error.message : String(error);
    throw invalidParameter(
      `${file}: ${message.replaceAll(pathToFileURL(compiled).href, pathToFileURL(file).href).replaceAll(compiled, file)}`,
    );
  } finally {
    await rm(compiled, { force: true });
  }
}
