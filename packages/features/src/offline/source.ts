import { invalidParameter } from "@gyre/core";
import {
  type DataEngine,
  type DataFile,
  familyOf,
  type Table,
  tableOverFiles,
  tableOverQuery,
} from "@gyre/data";
import type { ResolvedView } from "../catalog.js";
import { epochMicros, ident, MIN_BIGINT } from "../sql.js";
import { ACCEPTED_FAMILIES, DUCKDB_TYPE } from "../values.js";

/** A source's data as the server found it: its files, and the SELECT over them if any. */
export interface SourceData {
  readonly files: readonly DataFile[];
  readonly sql?: string | undefined;
}

/**
 * Defines relation `name` over a source. A SQL source reads its files as the view `source`; its
 * result is copied into a temporary table so that the next SQL source may redefine `source`.
 */
export async function defineSource(engine: DataEngine, name: string, data: SourceData): Promise<Table> {
  if (data.sql === undefined) return tableOverFiles(engine, name, data.files);
  await tableOverFiles(engine, "source", data.files);
  const query = await tableOverQuery(engine, `${name}_query`, data.sql);
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} AS SELECT * FROM ${query.relation}`);
  return { ...query, relation: ident(name) };
}

/** The family of a column, or an error naming the view, the field and the column. */
function columnFamily(table: Table, column: string, where: string): string {
  const found = table.columns.find((c) => c.name === column);
  if (!found) {
    const names = table.columns.map((c) => c.name).join(", ");
    throw invalidParameter(`${where}: the source has no column '${column}' (it has: ${names})`);
  }
  return found.family;
}

function requireFamily(family: string, accepted: readonly string[], where: string, rule: string): void {
  if (!accepted.includes(family))
    throw invalidParameter(`${where}: ${rule}, but the source column is ${family}`);
}

/**
 * Checks the source against the view: each join key, timestamp and feature column exists with a
 * type its declaration accepts. Errors name the view, the field and the column.
 */
export function checkViewSource(view: ResolvedView, table: Table): void {
  const v = `feature view '${view.def.name}'`;
  for (const key of view.keys) {
    const family = columnFamily(table, key.name, `${v}: join key '${key.name}'`);
    const accepted = key.type === "string" ? ["string"] : ["integer"];
    requireFamily(family, accepted, `${v}: join key '${key.name}'`, `it is declared ${key.type}`);
  }
  const ts = view.def.event_timestamp_column;
  requireFamily(
    columnFamily(table, ts, `${v}: field 'event_timestamp_column'`),
    ["timestamp", "date"],
    `${v}: field 'event_timestamp_column' ('${ts}')`,
    "an event timestamp must be a TIMESTAMP or DATE column",
  );
  const created = view.def.created_timestamp_column;
  if (created !== undefined) {
    requireFamily(
      columnFamily(table, created, `${v}: field 'created_timestamp_column'`),
      ["timestamp", "date"],
      `${v}: field 'created_timestamp_column' ('${created}')`,
      "a created timestamp must be a TIMESTAMP or DATE column",
    );
  }
  for (const f of view.features.values()) {
    const column = f.column ?? f.name;
    const where = `${v}: feature '${f.name}'`;
    requireFamily(
      columnFamily(table, column, where),
      ACCEPTED_FAMILIES[f.type],
      where,
      `it is declared ${f.type}`,
    );
  }
}

/**
 * The view's rows as the joins read them: join keys, `__ev` and `__cr` (epoch µs; a missing
 * created time sorts first) and every feature cast to its declared type as `__f_<name>`. Rows
 * without an event time or with a missing join key can never match and are left out.
 */
export function viewRows(view: ResolvedView, table: Table): string {
  const family = (c: string) => familyOf(table.columns.find((x) => x.name === c)!.type);
  const ev = view.def.event_timestamp_column;
  const cr = view.def.created_timestamp_column;
  const select = [
    ...view.keys.map((k) => ident(k.name)),
    `${epochMicros(ident(ev), family(ev))} AS __ev`,
    cr === undefined
      ? `${MIN_BIGINT} AS __cr`
      : `coalesce(${epochMicros(ident(cr), family(cr))}, ${MIN_BIGINT}) AS __cr`,
    ...[...view.features.values()].map(
      (f) => `CAST(${ident(f.column ?? f.name)} AS ${DUCKDB_TYPE[f.type]}) AS ${ident(`__f_${f.name}`)}`,
    ),
  ];
  const where = [`${ident(ev)} IS NOT NULL`, ...view.keys.map((k) => `${ident(k.name)} IS NOT NULL`)];
  return `SELECT ${select.join(", ")} FROM ${table.relation} WHERE ${where.join(" AND ")}`;
}

/**
 * The order that picks one row among rows of equal keys (and, offline, equal event time): the
 * latest created time, then a hash of all the view's feature values — deterministic whatever the
 * file order, and the same offline and online. `alias` qualifies viewRows' columns.
 */
export function tieOrder(view: ResolvedView, alias: string, withEventTime: boolean): string {
  const values = [...view.features.values()].map((f) => `${alias}${ident(`__f_${f.name}`)}`);
  return `struct_pack(${withEventTime ? `e := ${alias}__ev, ` : ""}c := ${alias}__cr, h := hash(${values.join(", ")}))`;
}

/** Only the keys and event time of a view's rows (the narrow side of the as-of search). */
export function viewKeys(view: ResolvedView, table: Table): string {
  const family = familyOf(table.columns.find((x) => x.name === view.def.event_timestamp_column)!.type);
  const ev = ident(view.def.event_timestamp_column);
  const keys = view.keys.map((k) => ident(k.name));
  const where = [`${ev} IS NOT NULL`, ...keys.map((k) => `${k} IS NOT NULL`)];
  return `SELECT ${[...keys, `${epochMicros(ev, family)} AS __ev`].join(", ")} FROM ${table.relation} WHERE ${where.join(" AND ")}`;
}
