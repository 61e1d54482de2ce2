import type { FeatureValue } from "@gyre/core";
import type { DataEngine, Table } from "@gyre/data";
import type { ResolvedView } from "./catalog.js";
import { tieOrder, viewRows } from "./offline/source.js";
import type { OnlineRow, OnlineStore } from "./online/store.js";
import { ident } from "./sql.js";
import { encodeKey, jsonValue, type KeyValue } from "./values.js";

export interface MaterializeView {
  readonly engine: DataEngine;
  readonly view: ResolvedView;
  /** The view's source relation, already checked against the view. */
  readonly table: Table;
  /** Window on event time, epoch ms, both bounds inclusive; no start = from the beginning. */
  readonly start: number | undefined;
  readonly end: number;
  readonly store: OnlineStore;
  readonly batchSize: number;
  /** The number of entities to write, once known. */
  onTotal?(entities: number): void;
  /** After each batch is written. */
  onBatch?(rows: number): void;
  /** Checked between batches: true stops the run (the rows written so far stay). */
  cancelled?(): boolean;
}

const LATEST = "__gyre_latest";

/**
 * Writes the latest row per entity within the window to the online store. DuckDB reduces the
 * window to one row per entity — the same (event, created, value hash) order as the offline
 * join, so both pick the same row — into a temporary table (which spills to disk past DuckDB's
 * memory limit); then batches of `batchSize` rows are read by rowid range and written, so this
 * process holds one batch at a time whatever the view's size. Returns the rows written.
 */
export async function materializeView(job: MaterializeView): Promise<number> {
  const { engine, view } = job;
  const features = [...view.features.values()];
  const keys = view.keys.map((k) => ident(k.name));
  const window = [
    ...(job.start === undefined ? [] : [`__ev >= ${Math.ceil(job.start) * 1000}`]),
    `__ev <= ${Math.floor(job.end) * 1000 + 999}`,
  ];
  const fields = [
    "__ev := __ev",
    "__cr := __cr",
    ...features.map((f) => `${ident(f.name)} := ${ident(`__f_${f.name}`)}`),
  ];
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${LATEST} AS SELECT ${keys.join(", ")}, ` +
      `arg_max(struct_pack(${fields.join(", ")}), ${tieOrder(view, "", true)}) AS r ` +
      `FROM (${viewRows(view, job.table)}) WHERE ${window.join(" AND ")} GROUP BY ${keys.join(", ")}`,
  );
  const { n } = await engine.one(`SELECT count(*) AS n FROM ${LATEST}`);
  const total = Number(n);
  job.onTotal?.(total);
  const columns = [
    ...keys,
    "r.__ev // 1000 AS __ev",
    "CASE WHEN r.__cr = -9223372036854775808 THEN NULL ELSE r.__cr // 1000 END AS __cr",
    ...features.map((f) =>
      f.type === "timestamp"
        ? `epoch_ms(r.${ident(f.name)}) AS ${ident(f.name)}`
        : `r.${ident(f.name)} AS ${ident(f.name)}`,
    ),
  ];
  let written = 0;
  for (let first = 0; first < total; first += job.batchSize) {
    if (job.cancelled?.()) break;
    const rows = await engine.all(
      `SELECT ${columns.join(", ")} FROM ${LATEST} WHERE rowid >= ${first} AND rowid < ${first + job.batchSize}`,
    );
    const batch: OnlineRow[] = rows.map((r) => {
      const values: Record<string, FeatureValue> = {};
      for (const f of features) values[f.name] = jsonValue(r[f.name]);
      return {
        key: encodeKey(view.keys.map((k) => r[k.name] as KeyValue)),
        eventTime: Number(r.__ev),
        createdTime: r.__cr === null ? null : Number(r.__cr),
        values,
      };
    });
    await job.store.write(view.def.name, batch);
    written += batch.length;
    job.onBatch?.(batch.length);
  }
  await engine.run(`DROP TABLE IF EXISTS ${LATEST}`);
  return written;
}
