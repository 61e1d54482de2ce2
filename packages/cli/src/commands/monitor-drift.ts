import { stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import {
  automaticMethodKind,
  compareToReference,
  DRIFT_METHODS,
  type DriftColumns,
  type DriftMethod,
  type DriftResult,
  DriftWorkers,
  isDriftMethod,
  METHOD_INFO,
  type MonitoringReport,
  type NewCategoryPolicy,
  prepareReference,
  type ReferenceProfile,
  readDriftFiles,
  renderReportHtml,
  reportJson,
  type TableSection,
} from "@gyre/data";
import { defineCommand } from "../command.js";
import { printLine } from "../io.js";
import { UsageError } from "../usage-error.js";
import { driftText } from "./monitor-drift-format.js";

/** Below this many reference + current rows the calling thread is quicker than starting workers. */
const WORKER_ROWS = 200_000;

export const monitorDriftCommand = defineCommand({
  words: ["monitor", "drift"],
  summary:
    "Compare a current data file with a reference file, column by column (Evidently's automatic method unless set), and report dataset drift.",
  options: {
    reference: { type: "string" },
    current: { type: "string" },
    method: { type: "string", multiple: true },
    threshold: { type: "string", multiple: true },
    "drift-share": { type: "string" },
    "new-categories": { type: "string" },
    columns: { type: "string" },
    html: { type: "string" },
    json: { type: "boolean" },
    threads: { type: "string" },
  },
  optionHelp: [
    ["--reference PATH", "Reference data: a CSV, Parquet or JSON-lines file or a directory (required)"],
    ["--current PATH", "Current data, in the same forms (required)"],
    ["--method COL=METHOD", `Method for a column, repeatable: ${DRIFT_METHODS.join(", ")}`],
    ["--threshold COL=X", "Threshold for a column, repeatable (p-value level or distance)"],
    ["--drift-share X", "Dataset drift when this share of tested columns drifts (default 0.5)"],
    ["--new-categories P", "separate (default: tests over the reference's categories) or include"],
    ["--columns A,B", "Test only these columns"],
    ["--html FILE", "Also write a self-contained HTML report"],
    ["--json", "Print one JSON object instead of text"],
    ["--threads N", "Worker threads for numeric columns (default: one per core on large inputs)"],
  ],
  async run({ values }, context) {
    const settings = parseSettings(values);
    const paths = { reference: settings.reference, current: settings.current };
    const say =
      (await inputBytes(paths)) >= PROGRESS_BYTES ? (m: string) => context.stderr(`${m}…\n`) : () => {};
    const data = await readDriftFiles(paths, (phase, path) => say(`Reading the ${phase} data: ${path}`));
    checkColumns(settings, data.reference);
    const rows = data.reference.rows + data.current.rows;
    const threads = settings.threads ?? (rows >= WORKER_ROWS ? availableParallelism() : 0);
    const workers = threads > 0 ? DriftWorkers.start(threads) : undefined;
    let drift: DriftResult;
    try {
      say(`Comparing ${data.current.columns.length} columns`);
      const reference = await prepareReference(data.reference.columns, { workers });
      checkMethods(settings, reference);
      drift = await compareToReference(reference, data.current.columns, { ...settings.options, workers });
    } finally {
      await workers?.close();
    }
    // Columns DuckDB could read but drift cannot test (dates, lists) are reported as skipped too.
    const unread = data.current.skipped.filter((s) => settings.options.columns?.includes(s.name) ?? true);
    drift = { ...drift, skipped: [...drift.skipped, ...unread] };
    const report: MonitoringReport = {
      title: `Drift of ${settings.current} against ${settings.reference}`,
      generated_at: new Date().toISOString(),
      reference: { name: settings.reference, rows: data.reference.rows },
      current: { name: settings.current, rows: data.current.rows },
      drift,
      quality: [qualityTable(drift)],
    };
    if (settings.html) await writeFile(settings.html, renderReportHtml(report));
    if (values.json) {
      context.stdout(
        `${reportJson({ reference: report.reference, current: report.current, ...drift }, 2)}\n`,
      );
    } else {
      printLine(context.stdout, driftText(report.reference!, report.current!, drift));
      if (settings.html) printLine(context.stdout, `HTML report: ${settings.html}`);
    }
  },
});

/** Missing values per side and new categories per tested column, for the HTML report. */
function qualityTable(drift: DriftResult): TableSection {
  const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
  return {
    kind: "table",
    title: "Missing values and new categories",
    headers: [
      "column",
      "missing (reference)",
      "missing (current)",
      "new categories",
      "rows in new categories",
    ],
    rows: drift.columns.map((c) => [
      c.name,
      share(c.reference_missing, c.reference_rows + c.reference_missing),
      share(c.current_missing, c.current_rows + c.current_missing),
      c.new_categories?.distinct ?? null,
      c.new_categories ? c.new_categories.share : null,
    ]),
    breaches: drift.columns.map((c) => (c.new_categories?.distinct ?? 0) > 0),
  };
}

interface Settings {
  reference: string;
  current: string;
  html?: string;
  threads?: number;
  options: {
    methods: Record<string, DriftMethod>;
    thresholds: Record<string, number>;
    driftShare?: number;
    newCategories?: NewCategoryPolicy;
    columns?: string[];
  };
}

interface Values {
  reference?: string;
  current?: string;
  method?: string[];
  threshold?: string[];
  "drift-share"?: string;
  "new-categories"?: string;
  columns?: string;
  html?: string;
  threads?: string;
}

/** Every flag checked before any file is read; a mistake is a usage error naming the flag. */
function parseSettings(values: Values): Settings {
  if (!values.reference) throw new UsageError("--reference is required");
  if (!values.current) throw new UsageError("--current is required");
  const methods: Record<string, DriftMethod> = {};
  for (const [column, method] of (values.method ?? []).map((v) => assignment("--method", v))) {
    if (!isDriftMethod(method)) {
      throw new UsageError(
        `--method ${column}=${method}: unknown method (expected one of ${DRIFT_METHODS.join(", ")})`,
      );
    }
    methods[column] = method;
  }
  const thresholds: Record<string, number> = {};
  for (const [column, text] of (values.threshold ?? []).map((v) => assignment("--threshold", v))) {
    const value = Number(text);
    const method = methods[column];
    const pValue = method !== undefined && METHOD_INFO[method].kind === "p_value";
    if (!(text.trim() !== "" && Number.isFinite(value) && value > 0 && (!pValue || value < 1))) {
      throw new UsageError(
        `--threshold ${column}=${text}: must be a number > 0${pValue ? ` and < 1 (a p-value level for ${method})` : ""}`,
      );
    }
    thresholds[column] = value;
  }
  return {
    reference: values.reference,
    current: values.current,
    html: values.html,
    threads: values.threads === undefined ? undefined : count("--threads", values.threads),
    options: {
      methods,
      thresholds,
      driftShare: values["drift-share"] === undefined ? undefined : share(values["drift-share"]),
      newCategories: policy(values["new-categories"]),
      columns: values.columns === undefined ? undefined : columnList(values.columns),
    },
  };
}

/** `COLUMN=VALUE`, split at the last '=' (column names may hold one; values never do). */
function assignment(flag: string, text: string): [string, string] {
  const at = text.lastIndexOf("=");
  if (at <= 0 || at === text.length - 1) throw new UsageError(`${flag} expects COLUMN=VALUE, got '${text}'`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function share(text: string): number {
  const value = Number(text);
  if (!(text.trim() !== "" && value > 0 && value <= 1)) {
    throw new UsageError(`--drift-share must be a share in (0, 1], got '${text}'`);
  }
  return value;
}

function count(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 256)
    throw new UsageError(`${flag} must be an integer from 0 to 256, got '${text}'`);
  return Number(text);
}

function policy(text: string | undefined): NewCategoryPolicy | undefined {
  if (text === undefined || text === "separate" || text === "include") return text;
  throw new UsageError(`--new-categories must be 'separate' or 'include', got '${text}'`);
}

function columnList(text: string): string[] {
  const names = text.split(",").map((n) => n.trim());
  if (names.some((n) => n === ""))
    throw new UsageError(`--columns expects names separated by commas, got '${text}'`);
  return names;
}

/** Overrides and selections must name columns the reference has and drift can test. */
function checkColumns(settings: Settings, reference: DriftColumns): void {
  const readable = new Set(reference.columns.map((c) => c.name));
  const check = (flag: string, name: string) => {
    if (readable.has(name)) return;
    const skipped = reference.skipped.find((s) => s.name === name);
    throw new UsageError(
      skipped
        ? `${flag}: column '${name}' cannot be tested (${skipped.reason})`
        : `${flag}: no column '${name}' in the reference (columns: ${[...readable].join(", ")})`,
    );
  };
  for (const name of Object.keys(settings.options.methods)) check("--method", name);
  for (const name of Object.keys(settings.options.thresholds)) check("--threshold", name);
  for (const name of settings.options.columns ?? []) check("--columns", name);
}

/**
 * A method override must suit the column's type as inferred on the reference, and a threshold the
 * method's kind: a p-value level below 1 for ks, chisquare and z (the automatic method is one of
 * those for references of ≤ 1000 values).
 */
function checkMethods(settings: Settings, reference: ReferenceProfile): void {
  for (const [name, method] of Object.entries(settings.options.methods)) {
    const type = reference.byName.get(name)?.type;
    if (METHOD_INFO[method].numericalOnly && type !== "numerical") {
      throw new UsageError(
        `--method ${name}=${method}: ${method} needs a numerical column; '${name}' is ${type}`,
      );
    }
  }
  for (const [name, threshold] of Object.entries(settings.options.thresholds)) {
    const method = settings.options.methods[name];
    const rows = reference.byName.get(name)?.summary.rows ?? 0;
    const kind = method ? METHOD_INFO[method].kind : automaticMethodKind(rows);
    if (kind === "p_value" && threshold >= 1) {
      throw new UsageError(
        `--threshold ${name}=${threshold}: must be < 1, a p-value level (${method ?? "the automatic method"} for '${name}' reports a p-value)`,
      );
    }
  }
}

/** Inputs this large report their phases on stderr; small ones finish before it would matter. */
const PROGRESS_BYTES = 8 * 1024 * 1024;

/** Bytes of the two inputs (a directory counts as large: it is not worth walking). */
async function inputBytes(paths: { reference: string; current: string }): Promise<number> {
  let total = 0;
  for (const path of [paths.reference, paths.current]) {
    const info = await stat(path).catch(() => undefined);
    total += info === undefined ? 0 : info.isFile() ? info.size : PROGRESS_BYTES;
  }
  return total;
}
