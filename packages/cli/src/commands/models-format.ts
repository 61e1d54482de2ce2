import type { AuditEntry, ModelVersion, RegisteredModel } from "@gyre/sdk";
import { renderPairs, renderTable } from "../format/table.js";
import { formatMetricValue, formatTimestamp } from "../format/values.js";

/** The text forms of `gyre models …`: tables and titled blocks in the style of `gyre runs show`. */

const NONE = "(none)";

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}

function section(title: string, body: string): string {
  return `${title}\n${indent(body)}`;
}

function tableOrNone(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return rows.length === 0 ? NONE : renderTable(headers, rows);
}

/** "champion=3, challenger=4". */
function aliasList(model: RegisteredModel): string {
  return (model.aliases ?? []).map((a) => `${a.alias}=${a.version}`).join(", ");
}

/** The highest version among the model's latest version per stage. */
function latestVersion(model: RegisteredModel): string {
  const versions = (model.latest_versions ?? []).map((v) => Number(v.version));
  return versions.length === 0 ? "-" : String(Math.max(...versions));
}

/** `gyre models list`. */
export function modelsTable(models: readonly RegisteredModel[]): string {
  return renderTable(
    ["NAME", "LATEST", "ALIASES", "UPDATED", "DESCRIPTION"],
    models.map((m) => [
      m.name,
      latestVersion(m),
      aliasList(m),
      formatTimestamp(m.last_updated_timestamp),
      m.description ?? "",
    ]),
  );
}

/** `gyre models show NAME`: the model, then its versions (newest first), aliases and tags. */
export function modelReport(model: RegisteredModel, versions: readonly ModelVersion[]): string {
  const overview = renderPairs([
    ["description", model.description || "-"],
    ["created", formatTimestamp(model.creation_timestamp)],
    // No creator: MLflow's registry leaves a model's user_id empty; the history names who made it.
    ["updated", formatTimestamp(model.last_updated_timestamp)],
  ]);
  const versionRows = versions.map((v) => [
    v.version,
    v.current_stage,
    (v.aliases ?? []).join(", "),
    formatTimestamp(v.creation_timestamp),
    v.user_id ?? "",
    v.source,
  ]);
  return [
    `Model ${model.name}`,
    indent(overview),
    section(
      "Versions",
      tableOrNone(["VERSION", "STAGE", "ALIASES", "CREATED", "CREATOR", "SOURCE"], versionRows),
    ),
    section(
      "Aliases",
      tableOrNone(
        ["ALIAS", "VERSION"],
        (model.aliases ?? []).map((a) => [a.alias, a.version]),
      ),
    ),
    section(
      "Tags",
      tableOrNone(
        ["KEY", "VALUE"],
        (model.tags ?? []).map((t) => [t.key, t.value]),
      ),
    ),
  ].join("\n\n");
}

/** `gyre models show NAME/VERSION` or `NAME@ALIAS`: one version with its signature and run metrics. */
export function versionReport(version: ModelVersion): string {
  const overview = renderPairs([
    ["aliases", (version.aliases ?? []).join(", ") || "-"],
    ["stage", version.current_stage],
    ["status", version.status],
    ["created", formatTimestamp(version.creation_timestamp)],
    ["updated", formatTimestamp(version.last_updated_timestamp)],
    ["creator", version.user_id || "-"],
    ["description", version.description || "-"],
    ["source", version.source],
    ["run id", version.run_id || "-"],
    ["format", version.gyre_format || "-"],
  ]);
  const metrics = (version.gyre_run_metrics ?? []).map((m) => [m.key, formatMetricValue(m.value)]);
  return [
    `Model ${version.name} version ${version.version}`,
    indent(overview),
    section("Signature", signatureBlock(version.gyre_signature)),
    ...(version.gyre_input_example === undefined
      ? []
      : [section("Input example", exampleBlock(version.gyre_input_example))]),
    section("Run metrics at registration", tableOrNone(["KEY", "VALUE"], metrics)),
    section(
      "Tags",
      tableOrNone(
        ["KEY", "VALUE"],
        (version.tags ?? []).map((t) => [t.key, t.value]),
      ),
    ),
  ].join("\n\n");
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Rows of an input example shown; `--json` has it whole. */
const EXAMPLE_ROWS = 5;
const EXAMPLE_TEXT = 400;

/**
 * An input example as a table when it is a DataFrame (MLflow's split form, or records), its first
 * rows only; any other example as its JSON text, cut short.
 */
function exampleBlock(json: string): string {
  let example: unknown;
  try {
    example = JSON.parse(json);
  } catch {
    example = undefined;
  }
  const cell = (v: unknown) => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""));
  let headers: string[] | undefined;
  let rows: string[][] = [];
  if (isRecord(example) && Array.isArray(example.columns) && Array.isArray(example.data)) {
    headers = example.columns.map(cell);
    rows = example.data.map((row) => (Array.isArray(row) ? row.map(cell) : [cell(row)]));
  } else if (Array.isArray(example) && example.length > 0 && example.every(isRecord)) {
    headers = [...new Set(example.flatMap((r) => Object.keys(r)))];
    rows = example.map((r) => headers!.map((h) => (h in r ? cell(r[h]) : "")));
  }
  if (!headers) return json.length > EXAMPLE_TEXT ? `${json.slice(0, EXAMPLE_TEXT)}…` : json;
  const more = rows.length - EXAMPLE_ROWS;
  const table = renderTable(headers, rows.slice(0, EXAMPLE_ROWS));
  return more > 0 ? `${table}\n… ${more} more row${more === 1 ? "" : "s"} (--json shows all)` : table;
}

/**
 * A signature as one table. It is stored as the model's manifest wrote it: Gyre's
 * `{name, type, shape?}` entries, or MLflow's colspecs and tensorspecs (from an MLmodel).
 */
function signatureBlock(json: string | undefined): string {
  if (json === undefined) return "(none: inferred from the ONNX graph when served)";
  let signature: unknown;
  try {
    signature = JSON.parse(json);
  } catch {
    return json;
  }
  if (!isRecord(signature)) return json;
  const rows = (["inputs", "outputs"] as const).flatMap((part) => {
    const entries = Array.isArray(signature[part]) ? signature[part] : [];
    return entries.map((entry, i) => [part === "inputs" ? "input" : "output", ...specCells(entry, i)]);
  });
  return tableOrNone(["", "NAME", "TYPE", "SHAPE"], rows);
}

function specCells(entry: unknown, position: number): [string, string, string] {
  if (!isRecord(entry)) return [String(position), JSON.stringify(entry), ""];
  const name = typeof entry.name === "string" ? entry.name : `(${position})`;
  const tensor = isRecord(entry["tensor-spec"]) ? entry["tensor-spec"] : undefined;
  const type = String(tensor ? tensor.dtype : entry.type);
  const shape = tensor ? tensor.shape : entry.shape;
  return [name, type, Array.isArray(shape) ? `[${shape.join(", ")}]` : ""];
}

/** `gyre models history`: when, who, what, and the change as before → after. */
export function historyTable(entries: readonly AuditEntry[]): string {
  return renderTable(
    ["WHEN", "WHO", "ACTION", "VERSION", "CHANGE"],
    entries.map((e) => [
      formatTimestamp(e.timestamp),
      e.actor,
      e.action,
      e.version ?? "",
      describeChange(e.before, e.after),
    ]),
    // The change is the point of the table; let it run long rather than cut it.
    { maxCellWidth: 200 },
  );
}

/**
 * One line per change: a creation lists what was set, a deletion what was removed, an update
 * keeps unchanged fields as `key=value` and shows the changed ones as `key: before → after`.
 */
export function describeChange(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
): string {
  if (before === undefined && after === undefined) return "";
  if (before === undefined) return pairs(after!);
  if (after === undefined) return `removed ${pairs(before)}`;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .map((key) => {
      const old = auditValue(before[key]);
      const now = auditValue(after[key]);
      return old === now ? `${key}=${now}` : `${key}: ${old} → ${now}`;
    })
    .join(", ");
}

function pairs(state: Readonly<Record<string, unknown>>): string {
  return Object.entries(state)
    .map(([key, value]) => `${key}=${auditValue(value)}`)
    .join(", ");
}

function auditValue(value: unknown): string {
  if (value === undefined || value === null) return "-";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}
