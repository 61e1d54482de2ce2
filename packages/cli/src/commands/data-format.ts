import type { DatasetProfile, DatasetVersion, ExpectationResult, ValidationRecord } from "@gyre/sdk";
import { renderPairs, renderTable } from "../format/table.js";
import { formatBytes, formatMetricValue, formatTimestamp } from "../format/values.js";

/** Text views of datasets for `gyre data …`; `--json` prints the server's objects instead. */

export function datasetTable(versions: readonly DatasetVersion[]): string {
  if (versions.length === 0) return "No datasets.";
  return renderTable(
    ["NAME", "VERSION", "ROWS", "COLUMNS", "FORMAT", "SIZE", "DIGEST", "CREATED"],
    versions.map((v) => [
      v.name,
      String(v.version),
      String(v.rows),
      String(v.schema.length),
      v.format,
      formatBytes(v.size_bytes),
      v.digest,
      formatTimestamp(v.created_time),
    ]),
  );
}

export function datasetReport(v: DatasetVersion): string {
  const pairs: [string, string][] = [
    ["Dataset", `${v.name}@${v.version}`],
    ["URI", v.uri],
    ["Location", v.location],
    ["Digest", v.digest],
    ["Source", v.source],
    ...(v.sql ? ([["SQL", v.sql]] as [string, string][]) : []),
    ["Format", v.format],
    ["Rows", String(v.rows)],
    ["Size", formatBytes(v.size_bytes)],
    ["Created", `${formatTimestamp(v.created_time)}${v.creator ? ` by ${v.creator}` : ""}`],
    ...(v.description ? ([["Description", v.description]] as [string, string][]) : []),
  ];
  const schema = renderTable(
    ["COLUMN", "TYPE"],
    v.schema.map((c) => [c.name, c.type]),
  );
  const files = renderTable(
    ["FILE", "SIZE", "SHA256"],
    v.files.map((f) => [f.path, formatBytes(f.size), f.sha256]),
    { maxCellWidth: 64 },
  );
  return `${renderPairs(pairs)}\n\nSchema:\n${indent(schema)}\n\nFiles:\n${indent(files)}`;
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatMetricValue(value);
  return String(value);
};

export function profileReport(name: string, version: number, profile: DatasetProfile): string {
  const median = (q: { q: number; value: number }[] | null) => cell(q?.find((x) => x.q === 0.5)?.value);
  const table = renderTable(
    ["COLUMN", "TYPE", "MISSING", "DISTINCT", "MIN", "MEDIAN", "MAX", "MEAN", "STD", "TOP"],
    profile.columns.map((c) => [
      c.name,
      c.type,
      String(c.missing),
      String(c.distinct),
      cell(c.min),
      median(c.quantiles),
      cell(c.max),
      cell(c.mean),
      cell(c.std),
      c.top
        .slice(0, 3)
        .map((t) => `${cell(t.value)} (${t.count})`)
        .join(", "),
    ]),
    { maxCellWidth: 40 },
  );
  return `${name}@${version}: ${profile.rows} rows, ${profile.columns.length} columns\n\n${table}`;
}

function observedText(result: ExpectationResult): string {
  if (result.drift) {
    const drifted = result.drift.columns.filter((c) => c.drifted).map((c) => c.column);
    const share = `${formatMetricValue(result.drift.drifted_share)} of ${result.drift.columns.length} columns drifted`;
    return drifted.length > 0 ? `${share} (${drifted.join(", ")})` : share;
  }
  const observed =
    typeof result.observed === "object" ? JSON.stringify(result.observed) : cell(result.observed);
  const count =
    result.unexpected_count !== undefined && result.unexpected_count > 0
      ? ` — ${result.unexpected_count} offending rows`
      : "";
  return `${observed}${count}`;
}

/** What an expectation measured, or why it could not be evaluated. */
function observedLine(result: ExpectationResult): string {
  return result.error ? `error: ${result.error}` : observedText(result);
}

function verdictText(result: ValidationRecord["result"]): string {
  return result.success ? "PASSED" : `FAILED (${result.failed} of ${result.evaluated} expectations)`;
}

/** The report of one validation: a line per expectation, then for each failure why and a sample. */
export function validationReport(record: ValidationRecord): string {
  const { result } = record;
  const head = `Suite ${result.suite} on ${record.name}@${record.version} (${result.rows} rows): ${verdictText(result)}`;
  const lines = result.results.map((r) => `  ${r.success ? "✓" : "✗"} ${r.description}`);
  const failures = result.results
    .filter((r) => !r.success)
    .map((r) => {
      const parts = [`✗ ${r.description}`, `    observed: ${observedLine(r)}`];
      if (r.drift) {
        parts.push(
          indent(
            renderTable(
              ["COLUMN", "TEST", "SCORE", "THRESHOLD", "DRIFTED"],
              r.drift.columns.map((c) => [
                c.column,
                c.test,
                cell(c.score),
                cell(c.threshold),
                c.drifted ? "yes" : "no",
              ]),
            ),
            4,
          ),
        );
      }
      if (r.sample && r.sample.length > 0) {
        const headers = Object.keys(r.sample[0]!);
        parts.push("    sample of offending rows:");
        const value = (v: unknown) => (v === null ? "NULL" : cell(v));
        parts.push(
          indent(
            renderTable(
              headers,
              r.sample.map((row) => headers.map((h) => value(row[h]))),
            ),
            6,
          ),
        );
      }
      return parts.join("\n");
    });
  return [head, "", ...lines, ...(failures.length > 0 ? ["", ...failures] : [])].join("\n");
}

/**
 * Stored validation results (newest first): a line each, then for every failed one the
 * expectations that failed and what they observed.
 */
export function validationsReport(records: readonly ValidationRecord[]): string {
  if (records.length === 0) return "No validation results.";
  const table = renderTable(
    ["ID", "VERSION", "SUITE", "ROWS", "RESULT", "CREATED", "BY"],
    records.map((r) => [
      String(r.id),
      String(r.version),
      r.suite,
      String(r.result.rows),
      verdictText(r.result),
      formatTimestamp(r.created_time),
      r.creator ?? "",
    ]),
  );
  const failures = records
    .filter((r) => !r.success)
    .map((r) => {
      const failed = r.result.results
        .filter((e) => !e.success)
        .map((e) => `  ✗ ${e.description}\n      observed: ${observedLine(e)}`);
      return [`#${r.id} ${r.suite} on ${r.name}@${r.version}:`, ...failed].join("\n");
    });
  return failures.length > 0 ? `${table}\n\nFailed expectations:\n${indent(failures.join("\n"))}` : table;
}

function indent(text: string, spaces = 2): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line ? pad + line : line))
    .join("\n");
}
