import pg from "pg";
import { mergeOperational } from "./operational.js";
import { labeledPrediction } from "./parquet-store.js";
import {
  DEFAULT_QUERY_LIMIT,
  dayStart,
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
  OPERATIONAL_SELECT,
  predictionConditions,
  whereClause,
} from "./sql-text.js";

/** Rows per INSERT statement (10 parameters each, well under PostgreSQL's 65,535). */
const CHUNK = 1000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS monitoring_predictions (
     request_id text NOT NULL, "row" integer NOT NULL, version text NOT NULL, arm text NOT NULL,
     ts bigint NOT NULL, model text NOT NULL, deployment text NOT NULL, latency_ms double precision,
     inputs text NOT NULL, outputs text NOT NULL,
     PRIMARY KEY (request_id, "row", version, arm))`,
  `CREATE INDEX IF NOT EXISTS monitoring_predictions_ts ON monitoring_predictions (ts)`,
  `CREATE INDEX IF NOT EXISTS monitoring_predictions_model_ts ON monitoring_predictions (model, ts)`,
  `CREATE INDEX IF NOT EXISTS monitoring_predictions_deployment_ts ON monitoring_predictions (deployment, ts)`,
  `CREATE TABLE IF NOT EXISTS monitoring_labels (
     id bigserial PRIMARY KEY, request_id text NOT NULL, "row" integer NOT NULL, value text NOT NULL,
     arrived_at bigint NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS monitoring_labels_key ON monitoring_labels (request_id, "row", id)`,
  `CREATE INDEX IF NOT EXISTS monitoring_labels_arrived ON monitoring_labels (arrived_at)`,
  `CREATE TABLE IF NOT EXISTS monitoring_request_counts (
     minute bigint NOT NULL, model text NOT NULL, deployment text NOT NULL, version text NOT NULL,
     arm text NOT NULL, requests bigint NOT NULL, errors bigint NOT NULL, invalid bigint NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS monitoring_request_counts_minute ON monitoring_request_counts (minute)`,
];
/** Serialises concurrent first starts (CREATE … IF NOT EXISTS races on PostgreSQL's catalogs). */
const SCHEMA_LOCK = 0x67_79_72_65; // "gyre"

/** Text sorts byte-wise, as DuckDB sorts it, whatever the database's collation. */
const C = `COLLATE "C"`;

/**
 * The scale-out prediction store: three PostgreSQL tables (created on first use). Predictions
 * have (request id, row, version, arm) as their key and keep the first copy (ON CONFLICT DO
 * NOTHING); labels are appended with a serial id, and a row's label is the one with the highest
 * id — the last one committed. Retention deletes whole UTC days.
 */
export class PostgresPredictionStore implements PredictionStore {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(private readonly uri: string) {
    this.pool = new pg.Pool({ connectionString: uri, max: 4 });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on("error", () => undefined);
  }

  get description(): string {
    const url = new URL(this.uri);
    url.password = "";
    return `postgresql:${url.host}${url.pathname}`;
  }

  async appendPredictions(rows: readonly PredictionRow[]): Promise<void> {
    await this.init();
    for (let at = 0; at < rows.length; at += CHUNK) {
      const chunk = rows.slice(at, at + CHUNK);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => {
        const base = params.length;
        params.push(
          r.request_id,
          r.row,
          blank(r.version),
          blank(r.arm),
          r.timestamp,
          r.model,
          blank(r.deployment),
          Number.isFinite(r.latency_ms) ? r.latency_ms : null,
          JSON.stringify(r.inputs),
          JSON.stringify(r.outputs),
        );
        return `(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}`).join(", ")})`;
      });
      await this.pool.query(
        `INSERT INTO monitoring_predictions (request_id, "row", version, arm, ts, model, deployment, latency_ms, inputs, outputs)
         VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING`,
        params,
      );
    }
  }

  async appendLabels(labels: readonly LabelInput[], arrivedAt: number): Promise<number> {
    await this.init();
    const client = await this.pool.connect();
    try {
      // One transaction: a bulk file is stored whole or not at all, and its ids stay in file order.
      await client.query("BEGIN");
      for (let at = 0; at < labels.length; at += CHUNK) {
        const params: unknown[] = [];
        const tuples = labels.slice(at, at + CHUNK).map((l) => {
          const base = params.length;
          params.push(l.request_id, l.row ?? 0, encodeLabel(l.value), arrivedAt);
          return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4})`;
        });
        await client.query(
          `INSERT INTO monitoring_labels (request_id, "row", value, arrived_at) VALUES ${tuples.join(", ")}`,
          params,
        );
      }
      await client.query("COMMIT");
      return labels.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async appendRequestCounts(rows: readonly RequestCountRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.init();
    const params: unknown[] = [];
    const tuples = rows.map((r) => {
      const base = params.length;
      params.push(
        r.minute,
        r.model,
        blank(r.deployment),
        blank(r.version),
        blank(r.arm),
        r.requests,
        r.errors,
        r.invalid,
      );
      return `(${Array.from({ length: 8 }, (_, i) => `$${base + i + 1}`).join(", ")})`;
    });
    await this.pool.query(
      `INSERT INTO monitoring_request_counts (minute, model, deployment, version, arm, requests, errors, invalid)
       VALUES ${tuples.join(", ")}`,
      params,
    );
  }

  async predictions(query: PredictionQuery): Promise<LabeledPrediction[]> {
    await this.init();
    const where = predictionConditions(query);
    // As the Parquet store: labels that arrived before the window's first day are not read.
    const labelsFrom =
      query.start === undefined ? "" : ` AND arrived_at >= ${integer(dayStart(query.start))}`;
    if (query.labeledOnly) {
      where.push(
        `EXISTS (SELECT 1 FROM monitoring_labels x WHERE x.request_id = p0.request_id AND x."row" = p0."row"${labelsFrom})`,
      );
    }
    const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
    const { rows } = await this.pool.query(
      `WITH p AS (SELECT * FROM monitoring_predictions p0 ${whereClause(where)}
                  ORDER BY ${limitOrder(query.sample, C)}
                  LIMIT ${integer(limit)}),
       l AS (SELECT DISTINCT ON (request_id, "row") request_id, "row", value, arrived_at
             FROM monitoring_labels
             WHERE (request_id, "row") IN (SELECT request_id, "row" FROM p)${labelsFrom}
             ORDER BY request_id, "row", id DESC)
       SELECT p.request_id, p."row", p.ts, p.model, p.deployment, p.version, p.arm, p.latency_ms,
              p.inputs, p.outputs, l.value AS label, l.arrived_at AS label_time
       FROM p LEFT JOIN l ON p.request_id = l.request_id AND p."row" = l."row"
       ORDER BY p.ts, p.request_id ${C}, p."row", p.version ${C}, p.arm ${C}`,
    );
    return rows.map(labeledPrediction);
  }

  async operational(query: PredictionQuery): Promise<OperationalFigures> {
    await this.init();
    const where = predictionConditions(query);
    const latency = await this.pool.query(
      `WITH p AS (SELECT * FROM monitoring_predictions ${whereClause(where)}) ${OPERATIONAL_SELECT}`,
    );
    const countWhere = predictionConditions({ ...query, start: undefined, end: undefined });
    if (query.start !== undefined) countWhere.push(`minute >= ${integer(query.start)}`);
    if (query.end !== undefined) countWhere.push(`minute < ${integer(query.end)}`);
    const counts = await this.pool.query(
      `SELECT version, arm, sum(requests) AS requests, sum(errors) AS errors, sum(invalid) AS invalid
       FROM monitoring_request_counts ${whereClause(countWhere)} GROUP BY version, arm`,
    );
    return mergeOperational(latency.rows, counts.rows);
  }

  async deleteDaysBefore(cutoff: number): Promise<string[]> {
    await this.init();
    const limit = dayStart(cutoff);
    const { rows } = await this.pool.query(
      `SELECT DISTINCT to_char(to_timestamp(d / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM (
         SELECT ts - ts % 86400000 AS d FROM monitoring_predictions WHERE ts < $1
         UNION SELECT arrived_at - arrived_at % 86400000 FROM monitoring_labels WHERE arrived_at < $1
         UNION SELECT minute - minute % 86400000 FROM monitoring_request_counts WHERE minute < $1) days
       ORDER BY day`,
      [limit],
    );
    await this.pool.query("DELETE FROM monitoring_predictions WHERE ts < $1", [limit]);
    await this.pool.query("DELETE FROM monitoring_labels WHERE arrived_at < $1", [limit]);
    await this.pool.query("DELETE FROM monitoring_request_counts WHERE minute < $1", [limit]);
    return rows.map((r) => String(r.day));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
        for (const statement of SCHEMA) await client.query(statement);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
