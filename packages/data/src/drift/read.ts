import type { DuckDBVector } from "@duckdb/node-api";
import { invalidParameter } from "@gyre/core";
import { directoriesOf } from "../analyze.js";
import { withEngine } from "../engine.js";
import { listDataFiles } from "../files.js";
import type { TableColumn } from "../schema.js";
import { ident } from "../sql.js";
import { materializeText, type Table, tableOverFiles } from "../table.js";
import { toNumber } from "../values.js";
import type { DriftColumnInput, SkippedColumn } from "./columns.js";

export interface DriftColumns {
  columns: DriftColumnInput[];
  /** Columns of a type the drift methods do not cover (dates, timestamps, lists, …). */
  skipped: SkippedColumn[];
  rows: number;
}

type Plan =
  | { column: TableColumn; kind: "numeric"; family: "float" | "integer"; values: Float64Array }
  | {
      column: TableColumn;
      kind: "categorical";
      family: "string" | "boolean";
      enumType: string;
      dictionary: string[];
      codes: Int32Array;
    };

/**
 * Reads a table's columns into typed arrays for the in-memory drift path, in one scan: numbers
 * as DOUBLE (NULL → NaN), text and booleans as dictionary codes that DuckDB computes itself (an
 * ENUM over the column's distinct values and `enum_code`), so no string is made per row. Rows
 * keep their order. `names` selects columns (default all); an unknown name is an error.
 */
export async function readDriftColumns(table: Table, names?: readonly string[]): Promise<DriftColumns> {
  const wanted = names ?? table.columns.map((c) => c.name);
  const skipped: SkippedColumn[] = [];
  const rows = toNumber((await table.engine.one(`SELECT count(*) AS n FROM ${table.relation}`)).n);
  const plans: Plan[] = [];
  const tag = `gyre_drift_${Math.random().toString(36).slice(2, 10)}`;
  try {
    for (const name of wanted) {
      const column = table.columns.find((c) => c.name === name);
      if (!column) throw invalidParameter(`columns: no column "${name}" in ${table.relation}`);
      const plan = await planColumn(table, column, `${tag}_${plans.length}`, rows);
      if (typeof plan === "string") skipped.push({ name, reason: plan });
      else plans.push(plan);
    }
    if (plans.length > 0) await fill(table, plans);
  } finally {
    for (const plan of plans) {
      if (plan.kind === "categorical") await table.engine.run(`DROP TYPE IF EXISTS ${plan.enumType}`);
    }
  }
  const columns = plans.map(
    (plan): DriftColumnInput =>
      plan.kind === "numeric"
        ? { name: plan.column.name, kind: "numeric", family: plan.family, values: plan.values }
        : {
            name: plan.column.name,
            kind: "categorical",
            family: plan.family,
            codes: plan.codes,
            dictionary: plan.dictionary,
          },
  );
  return { columns, skipped, rows };
}

async function planColumn(table: Table, column: TableColumn, enumType: string, rows: number) {
  switch (column.family) {
    case "integer":
    case "float":
      return { column, kind: "numeric", family: column.family, values: new Float64Array(rows) } as const;
    case "string":
    case "boolean": {
      const text = `CAST(${ident(column.name)} AS VARCHAR)`;
      const present = `FROM ${table.relation} WHERE ${ident(column.name)} IS NOT NULL`;
      const any = await table.engine.one(`SELECT EXISTS (SELECT 1 ${present}) AS any`);
      // An ENUM needs at least one value; an all-null column gets a placeholder nobody matches.
      await table.engine.run(
        any.any === true
          ? `CREATE TYPE ${enumType} AS ENUM (SELECT DISTINCT ${text} ${present})`
          : `CREATE TYPE ${enumType} AS ENUM ('')`,
      );
      const order = await table.engine.all(`SELECT unnest(enum_range(NULL::${enumType})) AS v`);
      return {
        column,
        kind: "categorical",
        family: column.family,
        enumType,
        dictionary: order.map((r) => String(r.v)),
        codes: new Int32Array(rows),
      } as const;
    }
    case "date":
    case "timestamp":
    case "time":
      return `datetime column (${column.type}): the drift methods do not cover it`;
    default:
      return `${column.type} column: the drift methods do not cover it`;
  }
}

function expression(plan: Plan): string {
  const column = ident(plan.column.name);
  if (plan.kind === "numeric") return `CAST(${column} AS DOUBLE)`;
  return `CAST(enum_code(CAST(CAST(${column} AS VARCHAR) AS ${plan.enumType})) AS INTEGER)`;
}

async function fill(table: Table, plans: Plan[]): Promise<void> {
  const select = plans.map((p, i) => `${expression(p)} AS c${i}`).join(", ");
  let offset = 0;
  for await (const chunk of table.engine.chunks(`SELECT ${select} FROM ${table.relation}`)) {
    const n = chunk.rowCount;
    plans.forEach((plan, i) => {
      const vector = chunk.getColumnVector(i) as DuckDBVector<number | null>;
      const target = plan.kind === "numeric" ? plan.values : plan.codes;
      const empty = plan.kind === "numeric" ? Number.NaN : -1;
      for (let r = 0; r < n; r++) {
        const v = vector.getItem(r);
        target[offset + r] = v === null ? empty : v;
      }
    });
    offset += n;
  }
}

export type DriftFilesPhase = "reference" | "current";

/**
 * Both sides of an ad-hoc drift run read from files or directories (CSV, Parquet, JSON lines, as
 * the datasets read them) in one sandboxed DuckDB that may read only their directories. Text
 * files are loaded into DuckDB once, since the reader scans each table more than once.
 */
export async function readDriftFiles(
  paths: { reference: string; current: string },
  onPhase?: (phase: DriftFilesPhase, path: string) => void,
): Promise<Record<DriftFilesPhase, DriftColumns>> {
  const files = {
    reference: await listDataFiles(paths.reference),
    current: await listDataFiles(paths.current),
  };
  const directories = directoriesOf([...files.reference, ...files.current].map((f) => f.path));
  return withEngine({ allowedDirectories: directories }, async (engine) => {
    const read = async (side: DriftFilesPhase) => {
      onPhase?.(side, paths[side]);
      const view = await tableOverFiles(engine, `${side}_files`, files[side]);
      return readDriftColumns(await materializeText(view, files[side], side));
    };
    return { reference: await read("reference"), current: await read("current") };
  });
}
