import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import {
  type ExpectationSuite,
  invalidParameter,
  parseExpectationSuite,
  parseExpectationSuiteJson,
} from "@gyre/core";
import { importModule } from "./modules.js";

/** Suite files read as modules; any other file is read as JSON. */
const SUITE_MODULE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs"];

/**
 * Reads an expectation suite from a file: JSON, or a TypeScript/JavaScript module exporting the
 * suite (`defineSuite(…)` or a plain object) as `default` or `suite`. Both forms end in the same
 * validated suite; every mistake is INVALID_PARAMETER_VALUE naming the file.
 */
export async function loadSuiteFile(file: string): Promise<ExpectationSuite> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw invalidParameter(`Cannot read suite ${file}: ${error.code ?? error.message}`);
  });
  if (!SUITE_MODULE_EXTENSIONS.includes(extname(file))) return parseExpectationSuiteJson(text, file);
  const module = await importModule(file);
  const exported = module.default ?? module.suite;
  if (exported === undefined) {
    const names = Object.keys(module);
    throw invalidParameter(
      `Invalid expectation suite (${file}): the module exports no suite (${names.length > 0 ? `it exports: ${names.join(", ")}` : "it exports nothing"}); export it as default (export default defineSuite(…)) or as 'suite'`,
    );
  }
  return parseExpectationSuite(exported, file);
}
