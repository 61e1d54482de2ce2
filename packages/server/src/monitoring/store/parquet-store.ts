import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { DataEngine } from "@gyre/data";
import { mergeOperational } from "./operational.js";
import {
  DEFAULT_QUERY_LIMIT,
  dayOf,
  decodeLabel,
  encodeLabel,
  type LabeledPrediction,
  type LabelInput,
  type OperationalFigures,
  type PredictionQuery,
  type PredictionRow,
  type PredictionStore,
  type RequestCountRow,
} from "./prediction-store.js";
import {
  blank,
  integer,
  limitOrder,
  literal,
  numberOrNull,
  OPERATIONAL_SELECT,
  predictionConditions,
  unblank,
  whereClause,
} from "./sql-text.js";

type SqlRow = Record<string, unknown>;
type Kind = "predictions" | "labels" | "request_counts";
const DAY_DIR = /^date=(\d{4}-\d{2}-\d{2})$/;
/** A day with more small part files than this has them merged into one by `compact()`. */
const COMPACT_ABOVE = 16;
/** Parts below this size count as small (a merged day's file is left alone once it is bigger). */
const SMALL_PART = 8 * 1024 * 1024;

/**
 * The embedded prediction store: Parquet files under `<root>/{predictions,labels,request_counts}/
 * date=YYYY-MM-DD/part-<ms>-<pid>-<n>.parquet`, read with DuckDB. Each batch is one new file,
 * written beside its final name, fsynced, then renamed into place (with its directory fsynced), so
 * a reader never sees half a file and an acknowledged batch survives a crash. Several processes
 * may write at once (their file names differ by pid). Queries list only the days of their window
 * (partition pruning in the file listing) and de-duplicate in SQL: predictions keep the first copy
 * of a (request id, row, version, arm), labels the last arrival of a (request id, row), ordered by
 * (arrival ms, file name, position in the batch).
 */
export class ParquetPredictionStore implements PredictionStore {
  private engine: Promise<DataEngine> | undefined;
  /** DuckDB work runs one statement at a time on the store's connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private counter = 0;

  constructor(readonly root: string) {}

  get description(): string {
    return `parquet:${this.root}`;
  }

  async appendPredictions(rows: readonly PredictionRow[]): Promise<void> {
    const byDay = groupBy(rows, (r) => dayOf(r.timestamp));
    for (const [day, dayRows] of byDay) {
      const values = dayRows.map(
        (r, pos) =>
          `(${literal(r.request_id)}, ${integer(r.row)}, ${integer(r.timestamp)}, ${literal(r.model)}, ${literal(blank(r.deployment))}, ${literal(blank(r.version))}, ${literal(blank(r.arm))}, ${numberOrNull(r.latency_ms)}, ${literal(JSON.stringify(r.inputs))}, ${literal(JSON.stringify(r.outputs))}, ${pos})`,
      );
      await this.writePart(
        "predictions",
        day,
        `SELECT request_id::VARCHAR AS request_id, "row"::INTEGER AS "row", ts::BIGINT AS ts, model::VARCHAR AS model,
                deployment::VARCHAR AS deployment, version::VARCHAR AS version, arm::VARCHAR AS arm,
                latency_ms::DOUBLE AS latency_ms, inputs::VARCHAR AS inputs, outputs::VARCHAR AS outputs, pos::INTEGER AS pos
         FROM (VALUES ${values.join(",")}) t(request_id, "row", ts, model, deployment, version, arm, latency_ms, inputs, outputs, pos)`,
      );
    }
  }

  async appendLabels(labels: readonly LabelInput[], arrivedAt: number): Promise<number> {
    if (labels.length === 0) return 0;
    const values = labels.map(
      (l, pos) =>
        `(${literal(l.request_id)}, ${integer(l.row ?? 0)}, ${literal(encodeLabel(l.value))}, ${integer(arrivedAt)}, ${pos})`,
    );
    await this.writePart(
      "labels",
      dayOf(arrivedAt),
      `SELECT request_id::VARCHAR AS request_id, "row"::INTEGER AS "row", value::VARCHAR AS value,
              arrived_at::BIGINT AS arrived_at, pos::INTEGER AS pos
       FROM (VALUES ${values.join(",")}) t(request_id, "row", value, arrived_at, pos)`,
    );
    return labels.length;
  }

  async appendRequestCounts(rows: readonly RequestCountRow[]): Promise<void> {
    for (const [day, dayRows] of groupBy(rows, (r) => dayOf(r.minute))) {
      const values = dayRows.map(
        (r) =>
          `(${integer(r.minute)}, ${literal(r.model)}, ${literal(blank(r.deployment))}, ${literal(blank(r.version))}, ${literal(blank(r.arm))}, ${integer(r.requests)}, ${integer(r.errors)}, ${integer(r.invalid)})`,
      );
      await this.writePart(
        "request_counts",
        day,
        `SELECT minute::BIGINT AS minute, model::VARCHAR AS model, deployment::VARCHAR AS deployment,
                version::VARCHAR AS version, arm::VARCHAR AS arm, requests::BIGINT AS requests,
                errors::BIGINT AS errors, invalid::BIGINT AS invalid
         FROM (VALUES ${values.join(",")}) t(minute, model, deployment, version, arm, requests, errors, invalid)`,
      );
    }
  }

  predictions(query: PredictionQuery): Promise<LabeledPrediction[]> {
    return relisting(() => this.readPredictions(query));
  }

  operational(query: PredictionQuery): Promise<OperationalFigures> {
    return relisting(() => this.readOperational(query));
  }

  private async readPredictions(query: PredictionQuery): Promise<LabeledPrediction[]> {
    const files = await this.files("predictions", query.start, query.end);
    if (files.length === 0) return [];
    const labelFiles = await this.files("labels", query.start, undefined);
    const labels =
      labelFiles.length === 0
        ? `SELECT NULL::VARCHAR AS request_id, NULL::INTEGER AS "row", NULL::VARCHAR AS value, NULL::BIGINT AS arrived_at WHERE false`
        : `SELECT request_id, "row", value, arrived_at FROM ${reader(labelFiles)}
           QUALIFY row_number() OVER (PARTITION BY request_id, "row" ORDER BY arrived_at DESC, filename DESC, pos DESC) = 1`;
    const where = predictionConditions(query);
    if (query.labeledOnly)
      where.push(`EXISTS (SELECT 1 FROM l WHERE l.request_id = src.request_id AND l."row" = src."row")`);
    const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
    const rows = await this.all(
      `WITH l AS (${labels}),
       p AS (SELECT * FROM ${reader(files)} ${whereClause(where)}
             QUALIFY row_number() OVER (PARTITION BY request_id, "row", version, arm ORDER BY filename, pos) = 1
             ORDER BY ${limitOrder(query.sample)} LIMIT ${integer(limit)})
       SELECT p.request_id, p."row", p.ts, p.model, p.deployment, p.version, p.arm, p.latency_ms,
              p.inputs, p.outputs, l.value AS label, l.arrived_at AS label_time
       FROM p LEFT JOIN l ON p.request_id = l.request_id AND p."row" = l."row"
       ORDER BY p.ts, p.request_id, p."row", p.version, p.arm`,
    );
    return rows.map(labeledPrediction);
  }

  private async readOperational(query: PredictionQuery): Promise<OperationalFigures> {
    const files = await this.files("predictions", query.start, query.end);
    const countFiles = await this.files("request_counts", query.start, query.end);
    const where = predictionConditions(query);
    const latency =
      files.length === 0
        ? []
        : await this.all(
            `WITH p AS (SELECT * FROM ${reader(files)} ${whereClause(where)}
                        QUALIFY row_number() OVER (PARTITION BY request_id, "row", version, arm ORDER BY filename, pos) = 1)
             ${OPERATIONAL_SELECT}`,
          );
    const countWhere = predictionConditions({ ...query, start: undefined, end: undefined });
    if (query.start !== undefined) countWhere.push(`minute >= ${integer(query.start)}`);
    if (query.end !== undefined) countWhere.push(`minute < ${integer(query.end)}`);
    const counts =
      countFiles.length === 0
        ? []
        : await this.all(
            `SELECT version, arm, sum(requests) AS requests, sum(errors) AS errors, sum(invalid) AS invalid
             FROM ${reader(countFiles)} ${whereClause(countWhere)} GROUP BY version, arm`,
          );
    return mergeOperational(latency, counts);
  }

  async deleteDaysBefore(cutoff: number): Promise<string[]> {
    const limit = dayOf(cutoff);
    const removed = new Set<string>();
    for (const kind of ["predictions", "labels", "request_counts"] as const) {
      for (const day of await this.days(kind)) {
        if (day >= limit) continue;
        await rm(path.join(this.root, kind, `date=${day}`), { recursive: true, force: true });
        removed.add(day);
      }
    }
    return [...removed].sort();
  }

  /**
   * Merges the small part files of each day up to `until`'s (today's included: writers only ever
   * add files) when a day has more than a few, into one file named to sort where its oldest source
   * did, so "first copy" and "last label" keep their order. A marker lists the sources before the
   * merged file is renamed in; readers skip the listed sources while the marker and the merged
   * file both exist, so no row is read twice or missed, and an interrupted merge is finished (or
   * undone) by the next call.
   */
  async compact(until: number): Promise<number> {
    let merged = 0;
    const limit = dayOf(until);
    for (const kind of ["predictions", "labels", "request_counts"] as const) {
      for (const day of await this.days(kind)) {
        if (day > limit) continue;
        const dir = path.join(this.root, kind, `date=${day}`);
        const parts: string[] = [];
        for (const part of await this.partsOf(dir)) {
          const info = await stat(part).catch(() => undefined);
          if (info && info.size < SMALL_PART) parts.push(part);
        }
        if (parts.length <= COMPACT_ABOVE) continue;
        // One merger per day at a time, whichever process (several servers may share the directory).
        const release = await claimDay(dir);
        if (!release) continue;
        try {
          if (await this.merge(dir, parts)) merged++;
        } finally {
          await release();
        }
      }
    }
    return merged;
  }

  /** Merges `parts` of one day directory (see `compact`); false when a source vanished meanwhile. */
  private async merge(dir: string, listed: readonly string[]): Promise<boolean> {
    // Listed before the claim: finish what another merger left, then keep what is still there.
    await this.finishMerges(dir);
    const parts = (await this.partsOf(dir)).filter((p) => listed.includes(p));
    if (parts.length === 0) return false;
    // "<oldest>-m.parquet" sorts just before "<oldest>.parquet": after every older file.
    const name = `${path.basename(parts[0]!, ".parquet")}-m.parquet`;
    const marker = path.join(dir, `_merge-${name}.json`);
    const target = path.join(dir, name);
    const temporary = `${target}.tmp`;
    // Positions are renumbered in the old order, so "first copy" and "last label" keep their meaning.
    try {
      await this.run(
        `COPY (SELECT * EXCLUDE (filename, pos), (row_number() OVER (ORDER BY filename, pos) - 1)::INTEGER AS pos
               FROM ${reader(parts)}) TO ${literal(temporary)} (FORMAT parquet)`,
      );
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await fsyncFile(temporary);
    await writeFile(marker, JSON.stringify(parts.map((p) => path.basename(p))));
    await fsyncFile(marker);
    await rename(temporary, target);
    await fsyncFile(dir);
    await this.finishMerges(dir);
    return true;
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    if (engine) {
      await this.queue.catch(() => undefined);
      (await engine).close();
    }
  }

  private async writePart(kind: Kind, day: string, select: string): Promise<void> {
    const dir = path.join(this.root, kind, `date=${day}`);
    await mkdir(dir, { recursive: true });
    const target = path.join(dir, this.partName());
    const temporary = `${target}.tmp`;
    try {
      await this.run(`COPY (${select}) TO ${literal(temporary)} (FORMAT parquet)`);
      await fsyncFile(temporary);
      await rename(temporary, target);
      await fsyncFile(dir);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Time-ordered and unique across processes: `part-<ms>-<pid>-<n>.parquet`. */
  private partName(): string {
    const n = String(this.counter++ % 1_000_000).padStart(6, "0");
    return `part-${String(Date.now()).padStart(15, "0")}-${process.pid}-${n}.parquet`;
  }

  private async days(kind: Kind): Promise<string[]> {
    const entries = await readdir(path.join(this.root, kind)).catch(() => [] as string[]);
    return entries.flatMap((e) => DAY_DIR.exec(e)?.[1] ?? []).sort();
  }

  /** The readable part files of the days overlapping [start, end). */
  private async files(kind: Kind, start: number | undefined, end: number | undefined): Promise<string[]> {
    const first = start === undefined ? "" : dayOf(start);
    const last = end === undefined ? "9999-12-31" : dayOf(end - 1);
    const out: string[] = [];
    for (const day of await this.days(kind)) {
      if (day < first || day > last) continue;
      out.push(...(await this.partsOf(path.join(this.root, kind, `date=${day}`))));
    }
    return out;
  }

  /** A day's part files, minus the sources of a merge whose result is already in place. */
  private async partsOf(dir: string): Promise<string[]> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    const names = new Set(entries.filter((e) => e.endsWith(".parquet")));
    for (const marker of entries.filter((e) => e.startsWith("_merge-") && e.endsWith(".json"))) {
      const merged = marker.slice("_merge-".length, -".json".length);
      if (!names.has(merged)) continue;
      const sources = JSON.parse(await readFile(path.join(dir, marker), "utf8")) as string[];
      for (const source of sources) names.delete(source);
    }
    return [...names].sort().map((name) => path.join(dir, name));
  }

  /** Completes merges whose result exists (sources deleted) and drops abandoned ones. */
  private async finishMerges(dir: string): Promise<void> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const marker of entries.filter((e) => e.startsWith("_merge-") && e.endsWith(".json"))) {
      const merged = marker.slice("_merge-".length, -".json".length);
      const markerPath = path.join(dir, marker);
      if (entries.includes(merged)) {
        const sources = JSON.parse(await readFile(markerPath, "utf8")) as string[];
        for (const source of sources) await unlink(path.join(dir, source)).catch(() => undefined);
      } else {
        await rm(path.join(dir, `${merged}.tmp`), { force: true });
      }
      await unlink(markerPath).catch(() => undefined);
    }
  }

  private open(): Promise<DataEngine> {
    this.engine ??= mkdir(this.root, { recursive: true }).then(() =>
      DataEngine.open({ allowedDirectories: [this.root], threads: 1 }),
    );
    return this.engine;
  }

  private serial<T>(work: (engine: DataEngine) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => work(await this.open()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private run(sql: string): Promise<void> {
    return this.serial((engine) => engine.run(sql));
  }

  private all(sql: string): Promise<SqlRow[]> {
    return this.serial((engine) => engine.all(sql));
  }
}

/**
 * Runs a read again, listing the files afresh, when a file it listed vanished meanwhile (a
 * compaction finished, or retention removed its day) — once: a second miss is a real error.
 */
async function relisting<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!/No such file|No files found|Cannot open file/i.test(String(error))) throw error;
    return read();
  }
}

/** A claim older than this was left by a process that died while merging. */
const STALE_CLAIM_MS = 3_600_000;

/**
 * Claims a day directory for merging with an exclusive create of `_compacting`; resolves to its
 * release, or undefined when another process holds it (a stale claim is taken over).
 */
async function claimDay(dir: string): Promise<(() => Promise<void>) | undefined> {
  const file = path.join(dir, "_compacting");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await (await open(file, "wx")).close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const info = await stat(file).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs < STALE_CLAIM_MS) return undefined;
      await rm(file, { force: true });
    }
  }
  return undefined;
}

function reader(files: readonly string[]): string {
  return `read_parquet([${files.map(literal).join(", ")}], filename = true, union_by_name = true) AS src`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : Number(v));

export function labeledPrediction(r: SqlRow): LabeledPrediction {
  return {
    request_id: String(r.request_id),
    row: num(r.row),
    timestamp: num(r.ts),
    model: String(r.model),
    deployment: unblank(r.deployment),
    version: unblank(r.version),
    arm: unblank(r.arm),
    latency_ms: num(r.latency_ms),
    inputs: JSON.parse(String(r.inputs)) as Record<string, unknown>,
    outputs: JSON.parse(String(r.outputs)) as Record<string, unknown>,
    label: decodeLabel(r.label === null || r.label === undefined ? null : String(r.label)),
    label_time: r.label_time === null || r.label_time === undefined ? null : num(r.label_time),
  };
}
