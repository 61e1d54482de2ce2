import { type FeatureValue, GyreError, invalidParameter } from "@gyre/core";
import type { DataEngine, Table } from "@gyre/data";
import type { FeatureSelection } from "../catalog.js";
import { type Transformation, transformationNotLoaded } from "../online/retrieve.js";
import { ident, literal } from "../sql.js";
import { DUCKDB_TYPE, jsonValue } from "../values.js";

const JOINED = "__gyre_joined";
const COMPUTED = "__gyre_on_demand";
/** Rows read, transformed and written back per round. */
const BATCH = 5000;

/** Each transformation input as a hidden column of the joined table. */
export function onDemandInputs(
  selection: FeatureSelection,
): { view: string; feature: string; column: string }[] {
  const seen = new Map<string, { view: string; feature: string; column: string }>();
  for (const t of selection.onDemand) {
    for (const ref of t.inputs) {
      const [view, feature] = ref.split(":") as [string, string];
      const names =
        feature === "*"
          ? [...selection.views.find((s) => s.view.def.name === view)!.view.features.keys()]
          : [feature];
      for (const name of names) {
        const column = `__gyre_in_${view}__${name}`;
        if (!seen.has(column)) seen.set(column, { view, feature: name, column });
      }
    }
  }
  return [...seen.values()];
}

/** A transformation's output value as a SQL literal of its declared type, or an error naming it. */
function outputLiteral(
  value: FeatureValue | undefined,
  type: keyof typeof DUCKDB_TYPE,
  where: string,
): string {
  if (value === null || value === undefined) return "NULL";
  const ok =
    type === "string"
      ? typeof value === "string"
      : type === "bool"
        ? typeof value === "boolean"
        : type === "timestamp"
          ? typeof value === "string" && !Number.isNaN(Date.parse(value))
          : typeof value === "number" && (type.startsWith("float") || Number.isInteger(value));
  if (!ok) throw new GyreError("INVALID_STATE", `${where}: returned ${JSON.stringify(value)}, not a ${type}`);
  if (typeof value === "string") return `CAST(${literal(value)} AS ${DUCKDB_TYPE[type]})`;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (!Number.isFinite(value)) return `CAST('${value}' AS ${DUCKDB_TYPE[type]})`;
  return `CAST('${value}' AS ${DUCKDB_TYPE[type]})`;
}

/**
 * On-demand transformations offline, as online: the joined rows are kept in a temporary table
 * (its rowid is the entity order), read back `BATCH` rows at a time, each row's inputs (NULL
 * where the view had no value within ttl) and request fields (entity-table columns) handed to
 * the repository's function, and the outputs written to a second table keyed by row.
 */
export async function applyOnDemand(
  engine: DataEngine,
  selection: FeatureSelection,
  transformations: ReadonlyMap<string, Transformation>,
  query: string,
  spine: Table,
): Promise<{ joined: string; computed: string }> {
  for (const t of selection.onDemand) {
    if (!transformations.has(t.name)) {
      throw transformationNotLoaded(t.name);
    }
    for (const field of t.request) {
      if (!spine.columns.some((c) => c.name === field.name)) {
        throw invalidParameter(
          `The entity table has no column '${field.name}' (a request field of on-demand transformation '${t.name}').`,
        );
      }
    }
  }
  const inputs = onDemandInputs(selection);
  const outputs = selection.outputs.filter((o) => selection.onDemand.some((t) => t.name === o.view));
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${JOINED} AS ${query}`);
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${COMPUTED} (__r BIGINT, ${outputs.map((o) => `${ident(o.output)} ${DUCKDB_TYPE[o.field.type]}`).join(", ")})`,
  );
  const requestFields = [...selection.requestFields.keys()];
  const read = [...inputs.map((i) => ident(i.column)), ...requestFields.map(ident)];
  const { n } = await engine.one(`SELECT count(*) AS n FROM ${JOINED}`);
  for (let first = 0; first < Number(n); first += BATCH) {
    const rows = await engine.all(
      `SELECT rowid AS __r, ${read.join(", ")} FROM ${JOINED} WHERE rowid >= ${first} AND rowid < ${first + BATCH}`,
    );
    const values: string[] = [];
    for (const row of rows) {
      const computed = new Map<string, Record<string, FeatureValue | undefined>>();
      for (const t of selection.onDemand) {
        const input: Record<string, FeatureValue> = {};
        for (const ref of inputs)
          if (t.inputs.some((r) => r === `${ref.view}:${ref.feature}` || r === `${ref.view}:*`))
            input[ref.feature] = jsonValue(row[ref.column]);
        for (const field of t.request) input[field.name] = jsonValue(row[field.name]);
        computed.set(t.name, await transformations.get(t.name)!(input));
      }
      const cells = outputs.map((o) =>
        outputLiteral(
          computed.get(o.view)![o.field.name],
          o.field.type,
          `on-demand transformation '${o.view}' output '${o.field.name}'`,
        ),
      );
      values.push(`(${Number(row.__r)}, ${cells.join(", ")})`);
    }
    if (values.length > 0) await engine.run(`INSERT INTO ${COMPUTED} VALUES ${values.join(", ")}`);
  }
  return { joined: JOINED, computed: COMPUTED };
}
