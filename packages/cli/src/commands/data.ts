import { readdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { loadSuiteFile } from "@gyre/data";
import {
  type Dataset,
  type DatasetProgress,
  GyreError,
  getDatasetProfile,
  listDatasetResults,
  listDatasets,
  listDatasetVersions,
  registerDataset,
  validateDataset,
} from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { formatBytes } from "../format/values.js";
import { type CliContext, printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import {
  datasetReport,
  datasetTable,
  profileReport,
  validationReport,
  validationsReport,
} from "./data-format.js";

/** Registrations of at least this much data report progress on stderr. */
const PROGRESS_BYTES = 1024 * 1024;

export const dataRegisterCommand = defineCommand({
  words: ["data", "register"],
  arguments: ["PATH"],
  summary:
    "Register a file or directory (CSV, Parquet, JSON lines) as a dataset version; identical content returns the existing one.",
  options: {
    name: { type: "string" },
    sql: { type: "string" },
    description: { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--name NAME", "Dataset name (required): letters, digits, '.', '_' and '-'"],
    ["--sql QUERY", "Register the result of a SELECT over the files, which it reads as the view 'source'"],
    ["--description TEXT", "A description stored with the version"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [path = ""] }, context) {
    if (!values.name) throw new GyreError("INVALID_PARAMETER_VALUE", "--name is required");
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const size = await totalSize(path);
    const progress = size >= PROGRESS_BYTES ? progressReporter(context, size) : undefined;
    const { dataset, created, warnings } = await withTracking(target, (gyre) =>
      registerDataset(gyre.client, path, {
        name: values.name!,
        sql: values.sql,
        description: values.description,
        // In-process, the store is this process: it reads the files where they are.
        transfer: target.kind === "in-process" ? "path" : "upload",
        onProgress: progress,
      }),
    );
    if (values.json) {
      return printJson(context, {
        dataset_version: dataset.info,
        created,
        ...(warnings.length > 0 ? { warnings } : {}),
      });
    }
    for (const warning of warnings) printLine(context.stderr, `warning: ${warning}`);
    const v = dataset.info;
    const shape = `${v.rows} rows × ${v.schema.length} columns, digest ${v.digest}`;
    printLine(
      context.stdout,
      created
        ? `Registered ${v.name}@${v.version} (${shape})`
        : `${v.name}@${v.version} already holds this content (${shape})`,
    );
  },
});

/** Total bytes under a path, to decide whether progress is worth printing; 0 when unreadable. */
async function totalSize(path: string): Promise<number> {
  const info = await stat(resolve(path)).catch(() => undefined);
  if (!info) return 0;
  if (info.isFile()) return info.size;
  const entries = await readdir(resolve(path), { recursive: true, withFileTypes: true });
  let sum = 0;
  for (const e of entries) if (e.isFile()) sum += (await stat(resolve(e.parentPath, e.name))).size;
  return sum;
}

/** Upload progress in 10% steps, then the server's phase, on stderr (stdout stays the result). */
function progressReporter(context: CliContext, size: number): (p: DatasetProgress) => void {
  let lastTenth = -1;
  return (p) => {
    if (p.phase === "register") {
      printLine(context.stderr, `Computing digest, schema and profile of ${formatBytes(size)}…`);
      return;
    }
    const tenth = Math.floor((p.bytes / Math.max(1, p.totalBytes)) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    printLine(
      context.stderr,
      `Uploading ${p.file} (${p.fileIndex + 1}/${p.fileCount}): ${tenth * 10}% of ${formatBytes(p.totalBytes)}`,
    );
  };
}

export const dataListCommand = defineCommand({
  words: ["data", "list"],
  summary: "List datasets with their latest version.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const all = await withTracking(target, (gyre) => listDatasets(gyre.client));
    printVersions(context, values.json, "datasets", all);
  },
});

/** Dataset versions as JSON under `key`, or as the table `data list` and `data versions` share. */
function printVersions(context: CliContext, json: boolean | undefined, key: string, all: readonly Dataset[]) {
  const versions = all.map((d) => d.info);
  if (json) printJson(context, { [key]: versions });
  else printLine(context.stdout, datasetTable(versions));
}

export const dataShowCommand = defineCommand({
  words: ["data", "show"],
  arguments: ["NAME[@VERSION]"],
  summary: "Show a dataset version: URI, digest, source, schema and files.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [ref = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const dataset = await withTracking(target, (gyre) => gyre.getDataset(ref));
    if (values.json) printJson(context, { dataset_version: dataset.info });
    else printLine(context.stdout, datasetReport(dataset.info));
  },
});

export const dataProfileCommand = defineCommand({
  words: ["data", "profile"],
  arguments: ["NAME[@VERSION]"],
  summary: "Show the column profile computed at registration.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [
    ...TRACKING_OPTION_HELP.slice(0, 2),
    [
      "--json",
      "Print {rows, columns: [{name, type, missing, distinct, min, max, mean, std, quantiles, histogram, top}]}",
    ],
  ],
  async run({ values, positionals: [ref = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const { name, version, profile } = await withTracking(target, (gyre) =>
      getDatasetProfile(gyre.client, ref),
    );
    if (values.json) printJson(context, profile);
    else printLine(context.stdout, profileReport(name, version, profile));
  },
});

export const dataValidateCommand = defineCommand({
  words: ["data", "validate"],
  arguments: ["NAME[@VERSION]"],
  summary: "Validate a dataset version against an expectation suite; exits 1 when the suite fails.",
  options: { suite: { type: "string" }, reference: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [
    [
      "--suite FILE",
      "The expectation suite (required): JSON, or a .ts/.js/.mjs module exporting it as default or 'suite'",
    ],
    ["--reference NAME@VERSION", "Reference version for no_drift expectations that name none"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [ref = ""] }, context) {
    if (!values.suite) throw new GyreError("INVALID_PARAMETER_VALUE", "--suite is required");
    // Checked here first, so a mistake names the suite file and its field before any call.
    const suite = await loadSuiteFile(values.suite);
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const record = await withTracking(target, (gyre) =>
      validateDataset(gyre.client, ref, suite, { reference: values.reference }),
    );
    if (values.json) printJson(context, { validation: record });
    else printLine(context.stdout, validationReport(record));
    if (!record.result.success) {
      throw new GyreError(
        "INVALID_STATE",
        `suite '${record.result.suite}' failed on ${record.name}@${record.version}: ${record.result.failed} of ${record.result.evaluated} expectations`,
      );
    }
  },
});

export const dataVersionsCommand = defineCommand({
  words: ["data", "versions"],
  arguments: ["NAME"],
  summary: "List every version of a dataset, newest first.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    if (name.includes("@")) {
      throw new UsageError(
        `data versions takes a dataset's name and lists all its versions; for one version use: gyre data show ${name}`,
      );
    }
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const all = await withTracking(target, (gyre) => listDatasetVersions(gyre.client, name));
    printVersions(context, values.json, "dataset_versions", all);
  },
});

export const dataResultsCommand = defineCommand({
  words: ["data", "results"],
  arguments: ["NAME[@VERSION]"],
  summary: "List the stored validation results of a dataset or one version, newest first, with what failed.",
  options: { suite: { type: "string" }, ...TRACKING_OPTIONS },
  optionHelp: [
    ["--suite NAME", "Only the results of this suite"],
    ...TRACKING_OPTION_HELP.slice(0, 2),
    ["--json", "Print {validations: [{id, name, version, suite, success, created_time, result, …}]}"],
  ],
  async run({ values, positionals: [ref = ""] }, context) {
    const target = resolveTrackingTarget(values["tracking-uri"], context.env);
    const records = await withTracking(target, (gyre) =>
      listDatasetResults(gyre.client, ref, { suite: values.suite }),
    );
    if (values.json) printJson(context, { validations: records });
    else printLine(context.stdout, validationsReport(records));
  },
});

/** The `gyre data …` commands, in the order the usage text lists them. */
export const dataCommands = [
  dataRegisterCommand,
  dataListCommand,
  dataVersionsCommand,
  dataShowCommand,
  dataProfileCommand,
  dataValidateCommand,
  dataResultsCommand,
] as const;
