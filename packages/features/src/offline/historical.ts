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
 * The spine rows pass through the views one after another; per view, all exact:
 * 1. a DuckDB ASOF join on the event time alone (as fast as a bare ASOF join: the view's narrow
 *    key-and-time side is all it sorts) finds the latest event time ≤ T;
 * 2. an equi-join back on (K, that time) gathers every view row at it — almost always exactly one;
 * 3. only the spine rows that gathered several (exact ties) go through arg_max over (created,
 *    hash), so ties never duplicate a spine row and the choice does not depend on file order,
 *    while the untied rows skip the aggregate (a per-row arg_max cost about as much as the
 *    equi-join itself).
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
  let rows = `(SELECT *, rowid AS __gyre_r FROM ${SPINE})`;
  const structOf = new Map<string, string>();
  for (const [i, { view }] of selection.views.entries()) {
    const table = join.sources.get(view.def.name);
    if (!table) throw new Error(`no source relation for view ${view.def.name}`);
    ctes.push(...viewCtes(i, rows, view, table));
    rows = `__gyre_p${i}`;
    structOf.set(view.def.name, `__gyre_v${i}`);
  }
  const column = (view: string, feature: string) => `${structOf.get(view)}.${ident(`__f_${feature}`)}`;
  const columns = selection.outputs
    .filter((out) => structOf.has(out.view)) // transformation outputs are added by writeHistorical
    .map((out) => `${column(out.view, out.field.name)} AS ${ident(out.output)}`);
  // Transformation inputs travel as hidden columns to the transformation stage.
  for (const input of onDemandInputs(selection)) {
    columns.push(`${column(input.view, input.feature)} AS ${ident(input.column)}`);
  }
  const hidden = ["__gyre_t", "__gyre_r", ...structOf.values()];
  return (
    `${ctes.length > 0 ? `WITH ${ctes.join(", ")} ` : ""}` +
    `SELECT * EXCLUDE (${hidden.join(", ")})${columns.length > 0 ? `, ${columns.join(", ")}` : ""} ` +
    `FROM ${rows} ORDER BY __gyre_r`
  );
}

/**
 * The CTEs of view `i`, ending in `__gyre_p<i>`: every row of `rows` (the spine rows with the
 * earlier views' picks), each once, with column `__gyre_v<i>` added: the picked view row as a
 * struct of viewRows' columns, NULL when nothing matched. `__gyre_j<i>` (each row with every view
 * row at its matched key and event time) and `__gyre_t<i>` (the rowids that gathered several) are
 * read twice each, so DuckDB materializes them.
 */
function viewCtes(i: number, rows: string, view: ResolvedView, table: Table): string[] {
  const keys = view.keys.map((k) => ident(k.name));
  const ttl = view.def.ttl_seconds;
  // A spine row without a time must match nothing; the as-of join alone is not relied on for that
  // (it matched such a row, sorted last, to the latest event when its input came from a union).
  const ev = `CASE WHEN ${ttl > 0 ? `v.__ev >= s.__gyre_t - ${ttl * 1_000_000}` : "s.__gyre_t IS NOT NULL"} THEN v.__ev END`;
  const latest =
    `SELECT s.*, ${ev} AS __gyre_ev FROM ${rows} s ` +
    `ASOF LEFT JOIN (${viewKeys(view, table)}) v ON ${keys.map((k) => `s.${k} = v.${k}`).join(" AND ")} AND s.__gyre_t >= v.__ev`;
  const picked = `__gyre_v${i}`;
  const [j, t] = [`__gyre_j${i}`, `__gyre_t${i}`];
  // Relations read whole as structs get __gyre_ aliases: a bare `v` would bind a spine column v.
  const gathered =
    `SELECT m.* EXCLUDE (__gyre_ev), __gyre_row AS ${picked} FROM (${latest}) m ` +
    `LEFT JOIN (${viewRows(view, table)}) __gyre_row ON ${keys.map((k) => `m.${k} = __gyre_row.${k}`).join(" AND ")} ` +
    "AND m.__gyre_ev = __gyre_row.__ev";
  const resolved =
    `SELECT arg_max(__gyre_tied, ${tieOrder(view, `__gyre_tied.${picked}.`, false)}) AS best ` +
    `FROM ${j} __gyre_tied SEMI JOIN ${t} t ON __gyre_tied.__gyre_r = t.__gyre_r GROUP BY __gyre_tied.__gyre_r`;
  return [
    `${j} AS MATERIALIZED (${gathered})`,
    `${t} AS MATERIALIZED (SELECT __gyre_r FROM ${j} GROUP BY __gyre_r HAVING count(*) > 1)`,
    `__gyre_p${i} AS (SELECT j.* FROM ${j} j ANTI JOIN ${t} t ON j.__gyre_r = t.__gyre_r ` +
      `UNION ALL BY NAME SELECT best.* FROM (${resolved}))`,
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
