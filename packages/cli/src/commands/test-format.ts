import type { GateCheck, GateMetric, GateResult, ModelEvaluation } from "@gyre/pipelines";
import { renderTable } from "../format/table.js";

/** The readable summary of `gyre test`: the checks (slices folded when they pass), then every metric. */

function figure(value: number | undefined): string {
  if (value === undefined) return "-";
  if (Number.isNaN(value)) return "NaN";
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : value.toFixed(4);
}

const STATUS = { pass: "pass", fail: "FAIL", skip: "skip" } as const;

/** Slice checks that pass or are skipped fold into one line per slice rule; failures are listed one by one. */
function foldedChecks(checks: readonly GateCheck[]): string[][] {
  const rows: string[][] = [];
  const folded = new Map<string, { pass: number; skip: number; row: string[] }>();
  for (const check of checks) {
    const slice = /^(\w+)\[([^=]+)=/.exec(check.name);
    if (!slice || check.status === "fail") {
      rows.push([
        check.name,
        check.rule,
        figure(check.challenger),
        figure(check.champion),
        figure(check.limit),
        STATUS[check.status] + (check.note ? ` (${check.note})` : ""),
      ]);
      continue;
    }
    const name = `${slice[1]}[${slice[2]}=*]`;
    let entry = folded.get(name);
    if (!entry) {
      entry = { pass: 0, skip: 0, row: [name, "", "", "", "", ""] };
      folded.set(name, entry);
      rows.push(entry.row);
    }
    if (check.status === "pass") {
      entry.pass++;
      entry.row[1] = check.rule;
    } else entry.skip++;
    entry.row[5] = `${entry.pass} pass${entry.skip ? `, ${entry.skip} skipped (too few rows)` : ""}`;
  }
  return rows;
}

export function renderGateReport(
  result: GateResult,
  challenger: ModelEvaluation,
  champion: ModelEvaluation | undefined,
  holdout: string,
): string {
  const lines: string[] = [];
  lines.push(
    `Challenger: ${challenger.model}${champion ? `\nChampion:   ${champion.model}` : "\nChampion:   none (relative rules skipped)"}`,
  );
  lines.push(`Holdout:    ${holdout} (${challenger.rows.toLocaleString("en-US")} rows)`, "");
  lines.push(
    renderTable(["check", "rule", "challenger", "champion", "limit", "result"], foldedChecks(result.checks), {
      maxCellWidth: 80,
    }),
  );
  lines.push("");
  const metrics = Object.keys(challenger.metrics) as GateMetric[];
  lines.push(
    renderTable(
      ["metric", "challenger", "champion", "difference"],
      metrics.map((m) => {
        const mine = challenger.metrics[m];
        const theirs = champion?.metrics[m];
        return [
          m,
          figure(mine),
          figure(theirs),
          mine !== undefined && theirs !== undefined
            ? `${mine - theirs >= 0 ? "+" : ""}${figure(mine - theirs)}`
            : "-",
        ];
      }),
    ),
  );
  const count = (s: GateCheck["status"]) => result.checks.filter((c) => c.status === s).length;
  lines.push(
    "",
    `${result.passed ? "PASSED" : "FAILED"}: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`,
  );
  return `${lines.join("\n")}\n`;
}
