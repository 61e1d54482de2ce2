import { invalidParameter } from "@gyre/core";
import type { DataEngine, Table } from "@gyre/data";
import type { FeatureSelection, ResolvedView } from "../catalog.js";
import type { Transformation } from "../online/retrieve.js";
import { epochMicros, ident, literal } from "../sql.js";
import { applyOnDemand, onDemandInputs } from "./on-demand.js";
import { tieOrder, viewKeys, viewRows } from "./source.js";

export interface HistoricalJoin {
  readonly engine: DataEngine;
  /** The entity table: join keys and a timestamp per row. */
  readonly spine: Table;
  readonly timestampColumn: string;
  readonly selection: FeatureSelection;
  /** Each selected view's source relation, by view name (already checked against the view). */
  readonly sources: ReadonlyMap<string, Table>;
}

export type OutputFormat = "parquet" | "csv";

const SPINE = "__gyre_spine";

/**
 * The point-in-time join. For each spine row with keys K and time T, and each view, the view row
 * with keys K maximising (event time, created time, value hash) among those with event time ≤ T.
 * Per view, all exact:
 * 1. a DuckDB ASOF join on the event time alone (as fast as a bare ASOF join: the narrow
 *    key-and-time side is all it sorts) finds the latest event time ≤ T;
 * 2. an equi-join back on (K, that time) gathers every view row at it — almost always exactly one;
 * 3. only the spine rows that gathered several (exact ties) go through arg_max over (created,
 *    hash), so ties never duplicate a spine row and the choice does not depend on file order,
 *    while the untied rows skip the aggregate (a per-row arg_max over structs cost about as much
 *    as the equi-join itself).
 * Keys are compared column by column. With a ttl, an event time before T − ttl matches nothing
 * (both bounds inclusive; if the latest row is too old, every earlier one is too).
 * The spine is copied into a table first: its rowid is the input order, so the output has exactly
 * one row per spine row, in order; a row without a time or with a missing key gets NULLs.
 */
export async function historicalQuery(join: HistoricalJoin): Promise<string> {
  const { engine, spine, timestampColumn, selection } = join;
  const tsColumn = spine.columns.find((c) => c.name === timestampColumn);
  if (!tsColumn) {
    throw invalidParameter(
      `The entity table has no timestamp column '${timestampColumn}' (field 'timestamp_column'; it has: ${spine.columns.map((c) => c.name).join(", ")}).`,
    );
  }
  if (tsColumn.family !== "timestamp" && tsColumn.family !== "date") {
    throw invalidParameter(
      `The entity table's timestamp column '${timestampColumn}' is ${tsColumn.type}; it must be a TIMESTAMP or DATE.`,
    );
  }
  for (const key of selection.keys.values()) {
    const column = spine.columns.find((c) => c.name === key.name);
    if (!column) throw invalidParameter(`The entity table has no join key column '${key.name}'.`);
    const ok = key.type === "string" ? column.family === "string" : column.family === "integer";
    if (!ok) {
      throw invalidParameter(
        `The entity table's join key '${key.name}' is ${column.type}, but it is declared ${key.type}.`,
      );
    }
  }
  for (const out of selection.outputs) {
    if (spine.columns.some((c) => c.name === out.output)) {
      throw invalidParameter(
        `The entity table already has a column '${out.output}' (feature '${out.view}:${out.field.name}'); ask for full feature names.`,
      );
    }
  }
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${SPINE} AS SELECT *, ${epochMicros(ident(timestampColumn), tsColumn.family)} AS __gyre_t FROM ${spine.relation}`,
  );

  const ctes: string[] = [];
  const joins: string[] = [];
  const aliasOf = new Map<string, string>();
  for (const [i, { view, features }] of selection.views.entries()) {
    const alias = `__w${i}`;
    aliasOf.set(view.def.name, alias);
    const table = join.sources.get(view.def.name);
    if (!table) throw new Error(`no source relation for view ${view.def.name}`);
    ctes.push(...viewCtes(i, view, features, table));
    joins.push(`LEFT JOIN ${alias} ON ${alias}.__r = s.rowid`);
  }
  const column = (view: string, feature: string) => `${aliasOf.get(view)}.${ident(`__f_${feature}`)}`;
  const columns = selection.outputs
    .filter((out) => aliasOf.has(out.view)) // transformation outputs are added by writeHistorical
    .map((out) => `${column(out.view, out.field.name)} AS ${ident(out.output)}`);
  // Transformation inputs travel as hidden columns to the transformation stage.
  for (const input of onDemandInputs(selection)) {
    columns.push(`${column(input.view, input.feature)} AS ${ident(input.column)}`);
  }
  return (
    `${ctes.length > 0 ? `WITH ${ctes.join(", ")} ` : ""}` +
    `SELECT s.* EXCLUDE (__gyre_t)${columns.length > 0 ? `, ${columns.join(", ")}` : ""} ` +
    `FROM ${SPINE} s ${joins.join(" ")} ORDER BY s.rowid`
  );
}

/**
 * The CTEs of view `i`, ending in `__w<i>`: one row per matched spine rowid (`__r`) with the
 * selected features as `__f_<name>`. `__j<i>` (every view row at the matched key and event time)
 * and `__t<i>` (the rowids with several) are read twice each, so DuckDB materializes them.
 */
function viewCtes(
  i: number,
  view: ResolvedView,
  features: FeatureSelection["views"][number]["features"],
  table: Table,
): string[] {
  const keys = view.keys.map((k) => ident(k.name));
  const ttl = view.def.ttl_seconds;
  const latest =
    `SELECT s.__r, ${keys.map((k) => `s.${k}`).join(", ")}, v.__ev ` +
    `FROM (SELECT rowid AS __r, ${keys.join(", ")}, __gyre_t FROM ${SPINE} WHERE __gyre_t IS NOT NULL) s ` +
    `ASOF JOIN (${viewKeys(view, table)}) v ON ${keys.map((k) => `s.${k} = v.${k}`).join(" AND ")} AND s.__gyre_t >= v.__ev` +
    (ttl > 0 ? ` WHERE v.__ev >= s.__gyre_t - ${ttl * 1_000_000}` : "");
  const gathered =
    `SELECT m.__r, v.* EXCLUDE (${[...keys, "__ev"].join(", ")}) FROM (${latest}) m ` +
    `JOIN (${viewRows(view, table)}) v ON ${keys.map((k) => `m.${k} = v.${k}`).join(" AND ")} AND m.__ev = v.__ev`;
  const selected = features.map((f) => ident(`__f_${f.name}`));
  const fields = features.map((f) => `${ident(f.name)} := j.${ident(`__f_${f.name}`)}`);
  const resolved =
    `SELECT j.__r, arg_max(struct_pack(${fields.join(", ")}), ${tieOrder(view, "j.", false)}) AS best ` +
    `FROM __j${i} j SEMI JOIN __t${i} t ON j.__r = t.__r GROUP BY j.__r`;
  return [
    `__j${i} AS MATERIALIZED (${gathered})`,
    `__t${i} AS MATERIALIZED (SELECT __r FROM __j${i} GROUP BY __r HAVING count(*) > 1)`,
    `__w${i} AS (SELECT j.__r, ${selected.map((c) => `j.${c}`).join(", ")} FROM __j${i} j ANTI JOIN __t${i} t ON j.__r = t.__r ` +
      `UNION ALL SELECT b.__r, ${features.map((f) => `b.best.${ident(f.name)}`).join(", ")} FROM (${resolved}) b)`,
  ];
}

/**
 * Runs the join into a file; returns the row count (the spine's) and the output's columns. With
 * on-demand transformations in the selection, the join goes to a temporary table first and the
 * transformations run over it batch by batch (see applyOnDemand) before the file is written.
 */
export async function writeHistorical(
  join: HistoricalJoin,
  output: string,
  format: OutputFormat,
  transformations: ReadonlyMap<string, Transformation> = new Map(),
): Promise<{ rows: number; columns: { name: string; type: string }[] }> {
  const { engine, selection } = join;
  let query = await historicalQuery(join);
  if (selection.onDemand.length > 0) {
    const result = await applyOnDemand(engine, selection, transformations, query, join.spine);
    const transforms = new Set(selection.onDemand.map((t) => t.name));
    const outputs = selection.outputs.map((o) => `${transforms.has(o.view) ? "o" : "r"}.${ident(o.output)}`);
    const spineColumns = join.spine.columns.map((c) => `r.${ident(c.name)}`);
    query =
      `SELECT ${[...spineColumns, ...outputs].join(", ")} FROM ${result.joined} r ` +
      `LEFT JOIN ${result.computed} o ON o.__r = r.rowid ORDER BY r.rowid`;
  }
  const described = await engine.all(`DESCRIBE ${query}`);
  const options = format === "parquet" ? "FORMAT parquet" : "FORMAT csv, HEADER true";
  await engine.run(`COPY (${query}) TO ${literal(output)} (${options})`);
  const { n } = await engine.one(`SELECT count(*) AS n FROM ${SPINE}`);
  return {
    rows: Number(n),
    columns: described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
  };
}

export function outputFormatOf(path: string): OutputFormat | undefined {
  if (/\.(parquet|pq)$/i.test(path)) return "parquet";
  if (/\.csv$/i.test(path)) return "csv";
  return undefined;
}
