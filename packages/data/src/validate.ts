import type { ExpectationSuite, ValidationResult } from "@gyre/core";
import { directoriesOf } from "./analyze.js";
import { withEngine } from "./engine.js";
import { evaluateSuite } from "./evaluate.js";
import type { DataFile } from "./files.js";
import { materializeText, type Table, tableOverFiles } from "./table.js";

export interface ValidateFilesOptions {
  /** The files of each reference the suite names, keyed by `name@version`. */
  references?: ReadonlyMap<string, readonly DataFile[]>;
  /** The reference of no_drift expectations that name none. */
  defaultReference?: string;
}

/** Evaluates a suite against the files (and its references' files) in one sandboxed DuckDB. */
export async function validateFiles(
  files: readonly DataFile[],
  suite: ExpectationSuite,
  options: ValidateFilesOptions = {},
): Promise<ValidationResult> {
  const referenceFiles = [...(options.references ?? new Map<string, readonly DataFile[]>())];
  const every = [...files, ...referenceFiles.flatMap(([, f]) => f)];
  return withEngine({ allowedDirectories: directoriesOf(every.map((f) => f.path)) }, async (engine) => {
    const table = await materializeText(await tableOverFiles(engine, "files", files), files, "dataset");
    const references = new Map<string, Table>();
    for (const [i, [name, refFiles]] of referenceFiles.entries()) {
      const view = await tableOverFiles(engine, `reference_files_${i}`, refFiles);
      references.set(name, await materializeText(view, refFiles, `reference_${i}`));
    }
    return evaluateSuite(table, suite, { references, defaultReference: options.defaultReference });
  });
}
